; zone mgmt.example.com, written by cinv from the inventory: edit the inventory, not this file.
$ORIGIN mgmt.example.com.
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
