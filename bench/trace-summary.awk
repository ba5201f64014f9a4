# The summary of `berth --trace run` outputs (stderr of N runs, concatenated):
# the median total, then per phase of each process the median, min and max
# duration and the median offset from the start, in ms.
#   awk -f bench/trace-summary.awk TRACE.txt      (trace-phases.sh, systemd-vm-bench.sh)
# Lines read: "trace run: TOTAL ms (...)" and "PROCESS PHASE [DURATION ms] at +OFFSET ms".
  /^trace run: / { total[++n] = $3; next }
  $NF == "ms" && $(NF-1) ~ /^\+/ {
    key = $1 " " $2
    if (!(key in seen)) { seen[key] = 1; order[++k] = key }
    off = substr($(NF-1), 2)
    offs[key] = offs[key] " " off
    if (NF == 7) durs[key] = durs[key] " " $3
  }
  function median(list,   v, m, i, j, t) {
    m = split(list, v, " ")
    for (i = 2; i <= m; i++) for (j = i; j > 1 && v[j-1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
    lo = v[1]; hi = v[m]
    return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
  }
  END {
    all = ""; for (i = 1; i <= n; i++) all = all " " total[i]
    printf "run /bin/true under --trace: %d runs, median %.3f ms\n", n, median(all)
    printf "%-5s %-14s %9s %9s %9s %10s\n", "proc", "phase", "median", "min", "max", "at (med)"
    for (i = 1; i <= k; i++) {
      key = order[i]; split(key, p, " ")
      at = median(offs[key])
      if (key in durs) { d = median(durs[key]); printf "%-5s %-14s %9.3f %9.3f %9.3f %10.3f\n", p[1], p[2], d, lo, hi, at }
      else printf "%-5s %-14s %9s %9s %9s %10.3f\n", p[1], p[2], "-", "", "", at
    }
  }