; zone prod.example.com, written by cinv from the inventory: edit the inventory, not this file.
$ORIGIN prod.example.com.
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
ci1	IN	A	192.0.2.25
ci1	IN	AAAA	2001:db8:0:1::25
db1	IN	A	192.0.2.22
db1	IN	AAAA	2001:db8:0:1::22
grafana	IN	CNAME	mon1.prod.example.com.
mail	IN	CNAME	mail1.prod.example.com.
mail1	IN	A	192.0.2.23
mail1	IN	AAAA	2001:db8:0:1::23
mon1	IN	A	192.0.2.24
mon1	IN	AAAA	2001:db8:0:1::24
smtp	IN	CNAME	mail1.prod.example.com.
web1	IN	A	192.0.2.20
web1	IN	AAAA	2001:db8:0:1::20
web2	IN	A	192.0.2.21
web2	IN	AAAA	2001:db8:0:1::21
www	IN	CNAME	web1.prod.example.com.
