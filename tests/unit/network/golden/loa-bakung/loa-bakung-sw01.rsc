# digikel intended configuration: loa-bakung-sw01 (CRS328-24P-4S+RM), Loa Bakung / Sungai Kunjang
/system identity
set name=loa-bakung-sw01
/system clock
set time-zone-name=Asia/Makassar
/interface bridge
add comment="switch bridge" name=bridge1 vlan-filtering=yes
/interface ethernet
set [ find default-name=ether11 ] disabled=yes
set [ find default-name=ether12 ] disabled=yes
set [ find default-name=ether13 ] disabled=yes
set [ find default-name=ether14 ] disabled=yes
set [ find default-name=ether15 ] disabled=yes
set [ find default-name=ether16 ] disabled=yes
set [ find default-name=ether17 ] disabled=yes
set [ find default-name=ether18 ] disabled=yes
set [ find default-name=ether19 ] disabled=yes
set [ find default-name=ether20 ] disabled=yes
set [ find default-name=ether21 ] disabled=yes
set [ find default-name=ether22 ] disabled=yes
set [ find default-name=ether23 ] disabled=yes
/interface vlan
add comment=mgmt interface=bridge1 name=vlan10-mgmt vlan-id=10
/interface list
add comment="management access (MAC server, discovery)" name=MGMT
/interface bridge port
add bridge=bridge1 comment=loa-bakung-pc01 frame-types=admit-only-untagged-and-priority-tagged interface=ether1 pvid=20
add bridge=bridge1 comment=loa-bakung-pc02 frame-types=admit-only-untagged-and-priority-tagged interface=ether2 pvid=20
add bridge=bridge1 comment=loa-bakung-pc03 frame-types=admit-only-untagged-and-priority-tagged interface=ether3 pvid=20
add bridge=bridge1 comment=loa-bakung-pc04 frame-types=admit-only-untagged-and-priority-tagged interface=ether4 pvid=20
add bridge=bridge1 comment=loa-bakung-pc05 frame-types=admit-only-untagged-and-priority-tagged interface=ether5 pvid=20
add bridge=bridge1 comment=loa-bakung-pc06 frame-types=admit-only-untagged-and-priority-tagged interface=ether6 pvid=20
add bridge=bridge1 comment=loa-bakung-dsp01 frame-types=admit-only-untagged-and-priority-tagged interface=ether7 pvid=30
add bridge=bridge1 comment=loa-bakung-prn01 frame-types=admit-only-untagged-and-priority-tagged interface=ether8 pvid=40
add bridge=bridge1 comment=loa-bakung-ap01 frame-types=admit-only-vlan-tagged interface=ether9
add bridge=bridge1 comment=loa-bakung-ap02 frame-types=admit-only-vlan-tagged interface=ether10
add bridge=bridge1 comment="uplink loa-bakung-rtr01" frame-types=admit-only-vlan-tagged interface=ether24
/interface bridge vlan
add bridge=bridge1 comment=mgmt tagged=bridge1,ether9,ether10,ether24 vlan-ids=10
add bridge=bridge1 comment=counters tagged=ether24 untagged=ether1,ether2,ether3,ether4,ether5,ether6 vlan-ids=20
add bridge=bridge1 comment=displays tagged=ether24 untagged=ether7 vlan-ids=30
add bridge=bridge1 comment=printers tagged=ether24 untagged=ether8 vlan-ids=40
add bridge=bridge1 comment=staff_wifi tagged=ether9,ether10,ether24 vlan-ids=50
add bridge=bridge1 comment=public_wifi tagged=ether9,ether10,ether24 vlan-ids=60
/interface list member
add comment="management access" interface=vlan10-mgmt list=MGMT
/ip address
add address=10.84.32.2/24 comment=mgmt interface=vlan10-mgmt
/ip route
add comment="default via the router" dst-address=0.0.0.0/0 gateway=10.84.32.1
/ip dns
set servers=10.80.1.53
/ip service
set telnet disabled=yes
set ftp disabled=yes
set www disabled=yes
set api disabled=yes
set api-ssl disabled=yes
set winbox address=10.80.1.0/24,10.80.16.0/20,10.80.254.0/24
/ipv6 settings
set disable-ipv6=yes
/ip neighbor discovery-settings
set discover-interface-list=MGMT
/tool mac-server
set allowed-interface-list=MGMT
/tool mac-server mac-winbox
set allowed-interface-list=MGMT
/snmp community
add addresses=10.80.1.20/32 authentication-password=VAULT:vault_digikel_snmp_auth_password authentication-protocol=SHA1 encryption-password=VAULT:vault_digikel_snmp_priv_password encryption-protocol=AES name=digikel-ro read-access=yes security=private write-access=no
/snmp
set contact="Diskominfo Samarinda" enabled=yes location="Kelurahan Loa Bakung, Sungai Kunjang" trap-community=digikel-ro trap-version=3
/system ntp client
set enabled=yes servers=10.80.1.123
/user
set [ find name=admin ] disabled=yes
add comment="digikel automation" group=full name=digikel password=VAULT:vault_digikel_device_password
