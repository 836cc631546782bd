$TTL 2d ; Default TTL for zone
$ORIGIN orionet.re.

@   IN  SOA ns.orionet.re.  matthieu.matthieu-dev.xyz. (
    0   ; serial number
    12h ; refresh
    15m ; update retry
    3w  ; expiry
    2h  ; minimum
    )
    IN  NS      nsx1.orion.matthieu-dev.xyz.
    IN  NS      nsx2.orion.matthieu-dev.xyz.
pki IN  CNAME   pki.1.orionet.re.

$ORIGIN 1.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.1.255

$ORIGIN 2.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.2.255

$ORIGIN 3.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.3.255

$ORIGIN 4.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.4.255

$ORIGIN 5.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.5.255

$ORIGIN 6.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.6.255

$ORIGIN 7.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.7.255

$ORIGIN 8.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.8.255

$ORIGIN 9.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.9.255

$ORIGIN 10.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.10.255

$ORIGIN 11.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.11.255

$ORIGIN 12.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.12.255

$ORIGIN 13.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.13.255

$ORIGIN 14.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.14.255

$ORIGIN 15.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.15.255

$ORIGIN 16.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.16.255

$ORIGIN 17.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.17.255

$ORIGIN 18.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.18.255

$ORIGIN 19.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.19.255

$ORIGIN 20.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.20.255

$ORIGIN 21.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.21.255

$ORIGIN 22.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.22.255

$ORIGIN 23.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.23.255

$ORIGIN 24.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.24.255

$ORIGIN 25.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.25.255

$ORIGIN 26.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.26.255

$ORIGIN 27.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.27.255

$ORIGIN 28.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.28.255

$ORIGIN 29.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.29.255

$ORIGIN 30.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.30.255

$ORIGIN 31.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.31.255

$ORIGIN 32.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.32.255

$ORIGIN 33.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.33.255

$ORIGIN 34.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.34.255

$ORIGIN 35.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.35.255

$ORIGIN 36.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.36.255

$ORIGIN 37.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.37.255

$ORIGIN 38.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.38.255

$ORIGIN 39.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.39.255

$ORIGIN 40.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.40.255

$ORIGIN 41.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.41.255

$ORIGIN 42.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.42.255

$ORIGIN 43.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.43.255

$ORIGIN 44.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.44.255

$ORIGIN 45.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.45.255

$ORIGIN 46.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.46.255

$ORIGIN 47.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.47.255

$ORIGIN 48.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.48.255

$ORIGIN 49.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.49.255

$ORIGIN 50.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.50.255

$ORIGIN 51.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.51.255

$ORIGIN 52.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.52.255

$ORIGIN 53.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.53.255

$ORIGIN 54.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.54.255

$ORIGIN 55.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.55.255

$ORIGIN 56.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.56.255

$ORIGIN 57.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.57.255

$ORIGIN 58.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.58.255

$ORIGIN 59.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.59.255

$ORIGIN 60.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.60.255

$ORIGIN 61.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.61.255

$ORIGIN 62.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.62.255

$ORIGIN 63.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.63.255

$ORIGIN 64.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.64.255

$ORIGIN 65.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.65.255

$ORIGIN 66.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.66.255

$ORIGIN 67.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.67.255

$ORIGIN 68.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.68.255

$ORIGIN 69.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.69.255

$ORIGIN 70.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.70.255

$ORIGIN 71.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.71.255

$ORIGIN 72.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.72.255

$ORIGIN 73.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.73.255

$ORIGIN 74.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.74.255

$ORIGIN 75.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.75.255

$ORIGIN 76.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.76.255

$ORIGIN 77.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.77.255

$ORIGIN 78.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.78.255

$ORIGIN 79.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.79.255

$ORIGIN 80.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.80.255

$ORIGIN 81.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.81.255

$ORIGIN 82.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.82.255

$ORIGIN 83.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.83.255

$ORIGIN 84.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.84.255

$ORIGIN 85.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.85.255

$ORIGIN 86.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.86.255

$ORIGIN 87.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.87.255

$ORIGIN 88.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.88.255

$ORIGIN 89.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.89.255

$ORIGIN 90.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.90.255

$ORIGIN 91.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.91.255

$ORIGIN 92.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.92.255

$ORIGIN 93.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.93.255

$ORIGIN 94.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.94.255

$ORIGIN 95.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.95.255

$ORIGIN 96.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.96.255

$ORIGIN 97.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.97.255

$ORIGIN 98.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.98.255

$ORIGIN 99.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.99.255

$ORIGIN 100.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.100.255

$ORIGIN 101.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.101.255

$ORIGIN 102.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.102.255

$ORIGIN 103.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.103.255

$ORIGIN 104.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.104.255

$ORIGIN 105.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.105.255

$ORIGIN 106.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.106.255

$ORIGIN 107.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.107.255

$ORIGIN 108.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.108.255

$ORIGIN 109.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.109.255

$ORIGIN 110.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.110.255

$ORIGIN 111.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.111.255

$ORIGIN 112.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.112.255

$ORIGIN 113.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.113.255

$ORIGIN 114.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.114.255

$ORIGIN 115.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.115.255

$ORIGIN 116.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.116.255

$ORIGIN 117.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.117.255

$ORIGIN 118.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.118.255

$ORIGIN 119.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.119.255

$ORIGIN 120.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.120.255

$ORIGIN 121.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.121.255

$ORIGIN 122.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.122.255

$ORIGIN 123.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.123.255

$ORIGIN 124.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.124.255

$ORIGIN 125.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.125.255

$ORIGIN 126.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.126.255

$ORIGIN 127.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.127.255

$ORIGIN 128.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.128.255

$ORIGIN 129.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.129.255

$ORIGIN 130.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.130.255

$ORIGIN 131.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.131.255

$ORIGIN 132.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.132.255

$ORIGIN 133.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.133.255

$ORIGIN 134.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.134.255

$ORIGIN 135.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.135.255

$ORIGIN 136.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.136.255

$ORIGIN 137.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.137.255

$ORIGIN 138.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.138.255

$ORIGIN 139.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.139.255

$ORIGIN 140.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.140.255

$ORIGIN 141.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.141.255

$ORIGIN 142.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.142.255

$ORIGIN 143.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.143.255

$ORIGIN 144.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.144.255

$ORIGIN 145.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.145.255

$ORIGIN 146.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.146.255

$ORIGIN 147.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.147.255

$ORIGIN 148.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.148.255

$ORIGIN 149.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.149.255

$ORIGIN 150.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.150.255

$ORIGIN 151.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.151.255

$ORIGIN 152.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.152.255

$ORIGIN 153.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.153.255

$ORIGIN 154.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.154.255

$ORIGIN 155.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.155.255

$ORIGIN 156.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.156.255

$ORIGIN 157.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.157.255

$ORIGIN 158.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.158.255

$ORIGIN 159.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.159.255

$ORIGIN 160.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.160.255

$ORIGIN 161.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.161.255

$ORIGIN 162.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.162.255

$ORIGIN 163.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.163.255

$ORIGIN 164.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.164.255

$ORIGIN 165.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.165.255

$ORIGIN 166.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.166.255

$ORIGIN 167.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.167.255

$ORIGIN 168.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.168.255

$ORIGIN 169.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.169.255

$ORIGIN 170.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.170.255

$ORIGIN 171.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.171.255

$ORIGIN 172.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.172.255

$ORIGIN 173.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.173.255

$ORIGIN 174.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.174.255

$ORIGIN 175.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.175.255

$ORIGIN 176.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.176.255

$ORIGIN 177.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.177.255

$ORIGIN 178.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.178.255

$ORIGIN 179.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.179.255

$ORIGIN 180.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.180.255

$ORIGIN 181.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.181.255

$ORIGIN 182.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.182.255

$ORIGIN 183.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.183.255

$ORIGIN 184.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.184.255

$ORIGIN 185.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.185.255

$ORIGIN 186.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.186.255

$ORIGIN 187.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.187.255

$ORIGIN 188.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.188.255

$ORIGIN 189.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.189.255

$ORIGIN 190.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.190.255

$ORIGIN 191.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.191.255

$ORIGIN 192.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.192.255

$ORIGIN 193.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.193.255

$ORIGIN 194.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.194.255

$ORIGIN 195.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.195.255

$ORIGIN 196.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.196.255

$ORIGIN 197.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.197.255

$ORIGIN 198.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.198.255

$ORIGIN 199.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.199.255

$ORIGIN 200.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.200.255

$ORIGIN 201.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.201.255

$ORIGIN 202.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.202.255

$ORIGIN 203.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.203.255

$ORIGIN 204.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.204.255

$ORIGIN 205.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.205.255

$ORIGIN 206.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.206.255

$ORIGIN 207.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.207.255

$ORIGIN 208.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.208.255

$ORIGIN 209.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.209.255

$ORIGIN 210.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.210.255

$ORIGIN 211.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.211.255

$ORIGIN 212.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.212.255

$ORIGIN 213.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.213.255

$ORIGIN 214.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.214.255

$ORIGIN 215.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.215.255

$ORIGIN 216.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.216.255

$ORIGIN 217.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.217.255

$ORIGIN 218.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.218.255

$ORIGIN 219.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.219.255

$ORIGIN 220.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.220.255

$ORIGIN 221.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.221.255

$ORIGIN 222.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.222.255

$ORIGIN 223.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.223.255

$ORIGIN 224.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.224.255

$ORIGIN 225.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.225.255

$ORIGIN 226.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.226.255

$ORIGIN 227.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.227.255

$ORIGIN 228.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.228.255

$ORIGIN 229.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.229.255

$ORIGIN 230.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.230.255

$ORIGIN 231.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.231.255

$ORIGIN 232.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.232.255

$ORIGIN 233.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.233.255

$ORIGIN 234.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.234.255

$ORIGIN 235.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.235.255

$ORIGIN 236.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.236.255

$ORIGIN 237.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.237.255

$ORIGIN 238.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.238.255

$ORIGIN 239.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.239.255

$ORIGIN 240.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.240.255

$ORIGIN 241.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.241.255

$ORIGIN 242.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.242.255

$ORIGIN 243.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.243.255

$ORIGIN 244.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.244.255

$ORIGIN 245.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.245.255

$ORIGIN 246.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.246.255

$ORIGIN 247.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.247.255

$ORIGIN 248.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.248.255

$ORIGIN 249.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.249.255

$ORIGIN 250.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.250.255

$ORIGIN 251.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.251.255

$ORIGIN 252.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.252.255

$ORIGIN 253.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.253.255

$ORIGIN 254.orionet.re.
@   IN  NS  ns
ns  IN  A   10.30.254.255

