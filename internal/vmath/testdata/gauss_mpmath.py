# Checks the dump of TestDumpGauss against 150-bit values:
#   VMATH_DUMP=/tmp/g.txt go test -run DumpGauss ./internal/vmath
#   python3 internal/vmath/testdata/gauss_mpmath.py /tmp/g.txt
# and prints the worst error of each function in ulps of the true value
# (in units of 2^-1074 where that is subnormal), and where the relative
# precision is lost to a zero crossing (GELU' near -0.75), in ulps of Phi.
import math, struct, sys
import mpmath as m

m.mp.prec = 150
f64 = lambda h: struct.unpack('<d', struct.pack('<Q', int(h, 16)))[0]
names = ["gelu", "gelu'", "gelu''", "erf(x/sqrt2)", "erf'", "erf''"]
funcs = [lambda x: x * m.ncdf(x), lambda x: m.ncdf(x) + x * m.npdf(x), lambda x: m.npdf(x) * (2 - x * x),
         lambda x: m.erf(x / m.sqrt(2)), lambda x: 2 * m.npdf(x), lambda x: -2 * x * m.npdf(x)]
worst = [(0, 0)] * 6
for line in open(sys.argv[1]):
    v = [f64(h) for h in line.split()]
    x = v[0]
    X = m.mpf(x)
    for i, fn in enumerate(funcs):
        t = fn(X)
        tf = float(t)
        unit = max(math.ulp(tf), 2.0**-1074) if tf != 0 else 2.0**-1074
        if i == 1 and abs(x + 0.75) < 0.25:
            unit = math.ulp(float(m.ncdf(X)))
        err = float(abs(m.mpf(v[i + 1]) - t)) / unit
        if err > worst[i][0]:
            worst[i] = (err, x)
for n, (e, x) in zip(names, worst):
    print(f"{n}: {e:.2f} ulps at x = {x!r}")
