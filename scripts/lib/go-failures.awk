# Reads `go test` output (not -json) and prints one line per failure: "<package> <test>" for each
# failing test (the innermost subtest when subtests failed), or "<package> <reason>" when the
# package failed without naming a test (a build failure, a panic, a timeout). go test prints each
# package's output as one block ending in its "ok" or "FAIL" line, so the tests collected since
# the previous package line belong to the package named by the next FAIL line.
/^[ \t]*--- FAIL: / { names[++n] = $3; next }
/^ok[ \t]/ { n = 0; next }
/^FAIL[ \t]/ && NF >= 2 {
	pkg = $2
	named = 0
	for (i = 1; i <= n; i++) {
		leaf = 1
		for (j = 1; j <= n; j++)
			if (j != i && index(names[j], names[i] "/") == 1) leaf = 0
		if (leaf) { print pkg, names[i]; named = 1 }
	}
	if (!named) {
		if ($3 ~ /^\[/) print pkg, $3 " " $4
		else print pkg, "(no test named: a panic, a timeout or a failure outside a test)"
	}
	n = 0
}
