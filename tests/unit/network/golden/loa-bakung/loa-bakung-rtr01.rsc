# digikel intended configuration: loa-bakung-rtr01 (RB5009UG+S+IN), Loa Bakung / Sungai Kunjang
/system identity
set name=loa-bakung-rtr01
/system clock
set time-zone-name=Asia/Makassar
/interface bridge
add comment="LAN trunk bridge" name=bridge-lan vlan-filtering=yes
/interface wireguard
add comment="tunnel to the data-centre hub" listen-port=51820 mtu=1420 name=wg-hub private-key="VAULT:vault_digikel_wireguard_private_keys[loa-bakung]"
/interface vlan
add comment=mgmt interface=bridge-lan name=vlan10-mgmt vlan-id=10
add comment=counters interface=bridge-lan name=vlan20-counters vlan-id=20
add comment=displays interface=bridge-lan name=vlan30-displays vlan-id=30
add comment=printers interface=bridge-lan name=vlan40-printers vlan-id=40
add comment=staff_wifi interface=bridge-lan name=vlan50-staff-wifi vlan-id=50
add comment=public_wifi interface=bridge-lan name=vlan60-public-wifi vlan-id=60
/interface list
add comment="uplink to the ISP" name=WAN
add comment="site segments" name=LAN
add comment="public Wi-Fi only" name=PUBLIC
add comment="management access (MAC server, discovery)" name=MGMT
/interface bridge port
add bridge=bridge-lan comment="trunk loa-bakung-sw01" frame-types=admit-only-vlan-tagged interface=ether2
/interface bridge vlan
add bridge=bridge-lan comment=mgmt tagged=bridge-lan,ether2 vlan-ids=10
add bridge=bridge-lan comment=counters tagged=bridge-lan,ether2 vlan-ids=20
add bridge=bridge-lan comment=displays tagged=bridge-lan,ether2 vlan-ids=30
add bridge=bridge-lan comment=printers tagged=bridge-lan,ether2 vlan-ids=40
add bridge=bridge-lan comment=staff_wifi tagged=bridge-lan,ether2 vlan-ids=50
add bridge=bridge-lan comment=public_wifi tagged=bridge-lan,ether2 vlan-ids=60
/interface list member
add comment=wan interface=ether1 list=WAN
add comment="management access" interface=vlan10-mgmt list=MGMT
add comment=mgmt interface=vlan10-mgmt list=LAN
add comment=counters interface=vlan20-counters list=LAN
add comment=displays interface=vlan30-displays list=LAN
add comment=printers interface=vlan40-printers list=LAN
add comment=staff_wifi interface=vlan50-staff-wifi list=LAN
add comment=public_wifi interface=vlan60-public-wifi list=PUBLIC
/interface wireguard peers
add allowed-address=10.80.254.0/24,10.80.1.0/24,10.80.16.0/20 comment="data-centre hub" endpoint-address=203.0.113.80 endpoint-port=51820 interface=wg-hub name=hub persistent-keepalive=25s public-key="aPu6g/ufWM7WjQRJ21bLgbuHSQpPNoqHwfCSuuYsqBg="
/ip address
add address=10.84.32.1/24 comment=mgmt interface=vlan10-mgmt
add address=10.84.33.1/24 comment=counters interface=vlan20-counters
add address=10.84.34.1/24 comment=displays interface=vlan30-displays
add address=10.84.35.1/24 comment=printers interface=vlan40-printers
add address=10.84.36.1/24 comment=staff_wifi interface=vlan50-staff-wifi
add address=10.84.38.1/23 comment=public_wifi interface=vlan60-public-wifi
add address=10.80.254.52/24 comment=wg-hub interface=wg-hub
add address=10.255.12.2/30 comment=wan interface=ether1
/ip pool
add comment=counters name=pool-counters ranges=10.84.33.100-10.84.33.199
add comment=displays name=pool-displays ranges=10.84.34.100-10.84.34.199
add comment=printers name=pool-printers ranges=10.84.35.100-10.84.35.199
add comment=staff_wifi name=pool-staff-wifi ranges=10.84.36.100-10.84.36.199
add comment=public_wifi name=pool-public-wifi ranges=10.84.39.10-10.84.39.250
/ip dhcp-server
add address-pool=pool-counters comment=counters interface=vlan20-counters lease-time=8h name=dhcp-counters
add address-pool=pool-displays comment=displays interface=vlan30-displays lease-time=8h name=dhcp-displays
add address-pool=pool-printers comment=printers interface=vlan40-printers lease-time=8h name=dhcp-printers
add address-pool=pool-staff-wifi comment=staff_wifi interface=vlan50-staff-wifi lease-time=8h name=dhcp-staff-wifi
add address-pool=pool-public-wifi comment=public_wifi interface=vlan60-public-wifi lease-time=1h name=dhcp-public-wifi
/ip dhcp-server network
add address=10.84.33.0/24 comment=counters dns-server=10.80.1.53 gateway=10.84.33.1 ntp-server=10.80.1.123
add address=10.84.34.0/24 comment=displays dns-server=10.80.1.53 gateway=10.84.34.1 ntp-server=10.80.1.123
add address=10.84.35.0/24 comment=printers dns-server=10.80.1.53 gateway=10.84.35.1 ntp-server=10.80.1.123
add address=10.84.36.0/24 comment=staff_wifi dns-server=10.80.1.53 gateway=10.84.36.1 ntp-server=10.80.1.123
add address=10.84.38.0/23 comment=public_wifi dns-server=10.84.38.1 gateway=10.84.38.1
/ip dhcp-server lease
add address=10.84.33.11 comment=loa-bakung-pc01 mac-address=02:00:0A:54:21:0B server=dhcp-counters
add address=10.84.33.12 comment=loa-bakung-pc02 mac-address=02:00:0A:54:21:0C server=dhcp-counters
add address=10.84.33.13 comment=loa-bakung-pc03 mac-address=02:00:0A:54:21:0D server=dhcp-counters
add address=10.84.33.14 comment=loa-bakung-pc04 mac-address=02:00:0A:54:21:0E server=dhcp-counters
add address=10.84.33.15 comment=loa-bakung-pc05 mac-address=02:00:0A:54:21:0F server=dhcp-counters
add address=10.84.33.16 comment=loa-bakung-pc06 mac-address=02:00:0A:54:21:10 server=dhcp-counters
add address=10.84.34.11 comment=loa-bakung-dsp01 mac-address=02:00:0A:54:22:0B server=dhcp-displays
add address=10.84.35.11 comment=loa-bakung-prn01 mac-address=02:00:0A:54:23:0B server=dhcp-printers
/ip dns
set allow-remote-requests=yes servers=10.80.1.53
/ip firewall address-list
add address=10.80.254.0/24 comment="hub transit" list=datacentre
add address=10.80.1.0/24 comment="data centre 10.80.1.0/24" list=datacentre
add address=10.80.16.0/20 comment="data centre 10.80.16.0/20" list=datacentre
add address=10.84.32.0/24 comment="internal mgmt" list=internal
add address=10.84.33.0/24 comment="internal counters" list=internal
add address=10.84.34.0/24 comment="internal displays" list=internal
add address=10.84.35.0/24 comment="internal printers" list=internal
add address=10.84.36.0/24 comment="internal staff_wifi" list=internal
add address=10.80.1.0/24 comment="internal data centre 10.80.1.0/24" list=internal
add address=10.80.16.0/20 comment="internal data centre 10.80.16.0/20" list=internal
add address=10.80.254.0/24 comment="internal hub transit" list=internal
add address=10.80.1.10 comment="dc portal 10.80.1.10" list=dc-portal
add address=10.80.1.53 comment="dc dns 10.80.1.53" list=dc-dns
add address=10.80.1.123 comment="dc ntp 10.80.1.123" list=dc-ntp
add address=10.80.1.20 comment="dc monitoring 10.80.1.20" list=dc-monitoring
/ip firewall filter
add action=accept chain=input comment="in: established, related" connection-state=established,related,untracked
add action=drop chain=input comment="in: drop invalid" connection-state=invalid
add action=accept chain=input comment="in: icmp (icmp)" protocol=icmp
add action=accept chain=input comment="in: management from datacentre (22,8291/tcp)" dst-port=22,8291 in-interface=wg-hub protocol=tcp src-address-list=datacentre
add action=accept chain=input comment="in: management from datacentre (161/udp)" dst-port=161 in-interface=wg-hub protocol=udp src-address-list=datacentre
add action=accept chain=input comment="in: dns and dhcp from lan (53,67/udp)" dst-port=53,67 in-interface-list=LAN protocol=udp
add action=accept chain=input comment="in: dns and dhcp from lan (53/tcp)" dst-port=53 in-interface-list=LAN protocol=tcp
add action=accept chain=input comment="in: dns and dhcp from public_wifi (53,67/udp)" dst-port=53,67 in-interface=vlan60-public-wifi protocol=udp
add action=accept chain=input comment="in: dns and dhcp from public_wifi (53/tcp)" dst-port=53 in-interface=vlan60-public-wifi protocol=tcp
add action=drop chain=input comment="in: drop everything else"
add action=accept chain=forward comment="fwd: public Wi-Fi established, not fasttracked (upload)" connection-state=established,related in-interface-list=PUBLIC
add action=accept chain=forward comment="fwd: public Wi-Fi established, not fasttracked (download)" connection-state=established,related out-interface-list=PUBLIC
add action=fasttrack-connection chain=forward comment="fwd: fasttrack" connection-state=established,related hw-offload=yes
add action=accept chain=forward comment="fwd: established, related" connection-state=established,related,untracked
add action=drop chain=forward comment="fwd: drop invalid" connection-state=invalid
add action=drop chain=forward comment="fwd: public Wi-Fi never reaches anything internal" dst-address-list=internal in-interface-list=PUBLIC
add action=accept chain=forward comment="fwd: printing from counters to printers (631/tcp)" dst-port=631 in-interface=vlan20-counters out-interface=vlan40-printers protocol=tcp
add action=accept chain=forward comment="fwd: applications from counters to datacentre (any)" dst-address-list=datacentre in-interface=vlan20-counters out-interface=wg-hub
add action=accept chain=forward comment="fwd: applications from displays to datacentre (any)" dst-address-list=datacentre in-interface=vlan30-displays out-interface=wg-hub
add action=accept chain=forward comment="fwd: staff portal from staff_wifi to portal (80,443/tcp)" dst-address-list=dc-portal dst-port=80,443 in-interface=vlan50-staff-wifi out-interface=wg-hub protocol=tcp
add action=accept chain=forward comment="fwd: name service from mgmt to dns (53/udp)" dst-address-list=dc-dns dst-port=53 in-interface=vlan10-mgmt out-interface=wg-hub protocol=udp
add action=accept chain=forward comment="fwd: name service from mgmt to dns (53/tcp)" dst-address-list=dc-dns dst-port=53 in-interface=vlan10-mgmt out-interface=wg-hub protocol=tcp
add action=accept chain=forward comment="fwd: name service from printers to dns (53/udp)" dst-address-list=dc-dns dst-port=53 in-interface=vlan40-printers out-interface=wg-hub protocol=udp
add action=accept chain=forward comment="fwd: name service from printers to dns (53/tcp)" dst-address-list=dc-dns dst-port=53 in-interface=vlan40-printers out-interface=wg-hub protocol=tcp
add action=accept chain=forward comment="fwd: name service from staff_wifi to dns (53/udp)" dst-address-list=dc-dns dst-port=53 in-interface=vlan50-staff-wifi out-interface=wg-hub protocol=udp
add action=accept chain=forward comment="fwd: name service from staff_wifi to dns (53/tcp)" dst-address-list=dc-dns dst-port=53 in-interface=vlan50-staff-wifi out-interface=wg-hub protocol=tcp
add action=accept chain=forward comment="fwd: time from mgmt to ntp (123/udp)" dst-address-list=dc-ntp dst-port=123 in-interface=vlan10-mgmt out-interface=wg-hub protocol=udp
add action=accept chain=forward comment="fwd: time from printers to ntp (123/udp)" dst-address-list=dc-ntp dst-port=123 in-interface=vlan40-printers out-interface=wg-hub protocol=udp
add action=accept chain=forward comment="fwd: time from staff_wifi to ntp (123/udp)" dst-address-list=dc-ntp dst-port=123 in-interface=vlan50-staff-wifi out-interface=wg-hub protocol=udp
add action=accept chain=forward comment="fwd: snmp traps from mgmt to monitoring (162/udp)" dst-address-list=dc-monitoring dst-port=162 in-interface=vlan10-mgmt out-interface=wg-hub protocol=udp
add action=accept chain=forward comment="fwd: internet from counters to internet (any)" in-interface=vlan20-counters out-interface-list=WAN
add action=accept chain=forward comment="fwd: internet from displays to internet (any)" in-interface=vlan30-displays out-interface-list=WAN
add action=accept chain=forward comment="fwd: internet from staff_wifi to internet (any)" in-interface=vlan50-staff-wifi out-interface-list=WAN
add action=accept chain=forward comment="fwd: internet from public_wifi to internet (any)" in-interface=vlan60-public-wifi out-interface-list=WAN
add action=accept chain=forward comment="fwd: manage devices from datacentre to mgmt (22,8291/tcp)" dst-port=22,8291 in-interface=wg-hub out-interface=vlan10-mgmt protocol=tcp src-address-list=datacentre
add action=accept chain=forward comment="fwd: manage devices from datacentre to mgmt (161/udp)" dst-port=161 in-interface=wg-hub out-interface=vlan10-mgmt protocol=udp src-address-list=datacentre
add action=accept chain=forward comment="fwd: manage devices from datacentre to mgmt (icmp)" in-interface=wg-hub out-interface=vlan10-mgmt protocol=icmp src-address-list=datacentre
add action=accept chain=forward comment="fwd: manage endpoints from datacentre to counters (22/tcp)" dst-port=22 in-interface=wg-hub out-interface=vlan20-counters protocol=tcp src-address-list=datacentre
add action=accept chain=forward comment="fwd: manage endpoints from datacentre to counters (icmp)" in-interface=wg-hub out-interface=vlan20-counters protocol=icmp src-address-list=datacentre
add action=accept chain=forward comment="fwd: manage displays from datacentre to displays (22/tcp)" dst-port=22 in-interface=wg-hub out-interface=vlan30-displays protocol=tcp src-address-list=datacentre
add action=accept chain=forward comment="fwd: manage displays from datacentre to displays (icmp)" in-interface=wg-hub out-interface=vlan30-displays protocol=icmp src-address-list=datacentre
add action=accept chain=forward comment="fwd: metrics from monitoring to counters (9100/tcp)" dst-port=9100 in-interface=wg-hub out-interface=vlan20-counters protocol=tcp src-address-list=dc-monitoring
add action=accept chain=forward comment="fwd: display metrics from monitoring to displays (9100/tcp)" dst-port=9100 in-interface=wg-hub out-interface=vlan30-displays protocol=tcp src-address-list=dc-monitoring
add action=accept chain=forward comment="fwd: manage printers from datacentre to printers (631/tcp)" dst-port=631 in-interface=wg-hub out-interface=vlan40-printers protocol=tcp src-address-list=datacentre
add action=accept chain=forward comment="fwd: manage printers from datacentre to printers (161/udp)" dst-port=161 in-interface=wg-hub out-interface=vlan40-printers protocol=udp src-address-list=datacentre
add action=accept chain=forward comment="fwd: manage printers from datacentre to printers (icmp)" in-interface=wg-hub out-interface=vlan40-printers protocol=icmp src-address-list=datacentre
add action=drop chain=forward comment="fwd: drop everything else"
/queue type
add comment="public Wi-Fi per-client download" kind=pcq name=pcq-public-down pcq-classifier=dst-address pcq-rate=5M
add comment="public Wi-Fi per-client upload" kind=pcq name=pcq-public-up pcq-classifier=src-address pcq-rate=2M
/queue simple
add comment="public Wi-Fi rate limit 2M/5M per client" name=public-wifi-limit queue=pcq-public-up/pcq-public-down target=vlan60-public-wifi
/ip firewall nat
add action=masquerade chain=srcnat comment="nat: to the internet" out-interface-list=WAN
/ip route
add comment="default via the ISP" dst-address=0.0.0.0/0 gateway=10.255.12.1
add comment="data centre 10.80.1.0/24" dst-address=10.80.1.0/24 gateway=wg-hub
add comment="data centre 10.80.16.0/20" dst-address=10.80.16.0/20 gateway=wg-hub
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
