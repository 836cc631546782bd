; zone example.com, written by cinv from the inventory: edit the inventory, not this file.
$ORIGIN example.com.
$TTL 3600
@	IN	SOA	ns1.example.com. hostmaster.example.com. (
		1	; serial
		3600	; refresh
		900	; retry
		1209600	; expire
		300	; negative-caching TTL
	)
@	IN	NS	ns1.example.com.
@	IN	NS	ns2.example.com.
hv1	IN	A	192.0.2.11
hv1	IN	AAAA	2001:db8:0:1::11
bmc.hv1	IN	A	198.51.100.11
hv2	IN	A	192.0.2.12
hv2	IN	AAAA	2001:db8:0:1::12
bmc.hv2	IN	A	198.51.100.12
mgmt	IN	NS	ns1.example.com.
mgmt	IN	NS	ns2.example.com.
ns1	IN	A	192.0.2.53
ns1	IN	AAAA	2001:db8:0:1::53
ns2	IN	A	192.0.2.54
ns2	IN	AAAA	2001:db8:0:1::54
prod	IN	NS	ns1.example.com.
prod	IN	NS	ns2.example.com.
