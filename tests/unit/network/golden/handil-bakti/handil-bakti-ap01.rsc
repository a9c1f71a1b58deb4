# digikel intended configuration: handil-bakti-ap01 (cAP ax), Handil Bakti / Palaran
/system identity
set name=handil-bakti-ap01
/system clock
set time-zone-name=Asia/Makassar
/interface bridge
add comment="AP bridge" name=bridge1 vlan-filtering=yes
/interface wifi security
add authentication-types=wpa2-psk,wpa3-psk comment="staff Wi-Fi" name=sec-staff passphrase=VAULT:vault_digikel_wifi_staff_psk
add authentication-types="" comment="public Wi-Fi (open)" name=sec-public
/interface wifi datapath
add bridge=bridge1 comment="staff Wi-Fi" name=dp-staff vlan-id=50
add bridge=bridge1 client-isolation=yes comment="public Wi-Fi: clients isolated" name=dp-public vlan-id=60
/interface wifi configuration
add comment="staff Wi-Fi" country=Indonesia datapath=dp-staff mode=ap name=cfg-staff security=sec-staff ssid=handil-bakti-staf
add comment="public Wi-Fi" country=Indonesia datapath=dp-public mode=ap name=cfg-public security=sec-public ssid="Wifi Gratis Kel. Handil Bakti"
/interface wifi
set [ find default-name=wifi1 ] configuration=cfg-staff disabled=no
set [ find default-name=wifi2 ] configuration=cfg-staff disabled=no
add comment="public Wi-Fi 2.4 GHz" configuration=cfg-public disabled=no master-interface=wifi2 name=wifi2-public
add comment="public Wi-Fi 5 GHz" configuration=cfg-public disabled=no master-interface=wifi1 name=wifi1-public
/interface vlan
add comment=mgmt interface=bridge1 name=vlan10-mgmt vlan-id=10
/interface list
add comment="management access (MAC server, discovery)" name=MGMT
/interface bridge port
add bridge=bridge1 comment="uplink to the switch" frame-types=admit-only-vlan-tagged interface=ether1
/interface bridge vlan
add bridge=bridge1 comment=mgmt tagged=bridge1,ether1 vlan-ids=10
add bridge=bridge1 comment=staff_wifi tagged=ether1 vlan-ids=50
add bridge=bridge1 comment=public_wifi tagged=ether1 vlan-ids=60
/interface list member
add comment="management access" interface=vlan10-mgmt list=MGMT
/ip address
add address=10.81.112.11/24 comment=mgmt interface=vlan10-mgmt
/ip route
add comment="default via the router" dst-address=0.0.0.0/0 gateway=10.81.112.1
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
set contact="Diskominfo Samarinda" enabled=yes location="Kelurahan Handil Bakti, Palaran" trap-community=digikel-ro trap-version=3
/system ntp client
set enabled=yes servers=10.80.1.123
/user
set [ find name=admin ] disabled=yes
add comment="digikel automation" group=full name=digikel password=VAULT:vault_digikel_device_password
