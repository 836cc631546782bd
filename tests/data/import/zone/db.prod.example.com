; prod.example.com -- hand-maintained since 2012, bump the serial!
$TTL 1h
@   IN  SOA ns1.example.com. hostmaster.example.com. (
            2024031501 ; serial (YYYYMMDDnn)
            3h         ; refresh
            15m        ; retry
            2w         ; expire
            5m )       ; negative TTL
        IN  NS  ns1.example.com.
        IN  NS  ns2.example.com.
        IN  MX  10 mail1
@       IN  TXT "v=spf1 mx -all ; not a comment"

web1            A       192.0.2.20
                AAAA    2001:db8:0:1::20
www     300     IN CNAME web1
web2    IN 300  A       192.0.2.21
Web3    A       192.0.2.22          ; capitals in the old file
mail1.prod.example.com.  A   192.0.2.23
smtp            CNAME   mail1.prod.example.com.
imap            CNAME   mail1
ftp             CNAME   files.example.org.   ; outside: not mapped
_sip._tcp       SRV     0 5 5060 web1
*               A       192.0.2.99
legacy          A       203.0.113.7          ; no network holds it

$ORIGIN lab.prod.example.com.
build1          A       192.0.2.40
