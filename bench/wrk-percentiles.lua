-- wrk script: at the end of a run, prints the latency percentiles from
-- p10 to p99.9, the max, the mean and the standard deviation on one line,
-- in milliseconds (wrk's own summary gives four percentiles with
-- --latency). They are wrk's, as its --latency gives them: they count
-- the requests its correction for coordinated omission makes up below
-- every request that took twice a connection's cycle or more (see
-- wrk-mean.lua), so a tail of slow requests weighs more in them than it
-- did in the run. Usage: wrk -t1 -c1000 -d5s -s bench/wrk-percentiles.lua URL
done = function(summary, latency, requests)
  local out = {}
  for _, p in ipairs({10, 25, 50, 75, 90, 95, 98, 99, 99.5, 99.9}) do
    out[#out + 1] = string.format("p%s=%.1f", p, latency:percentile(p) / 1000)
  end
  out[#out + 1] = string.format("max=%.1f mean=%.1f sd=%.1f",
    latency.max / 1000, latency.mean / 1000, latency.stdev / 1000)
  io.write(table.concat(out, " ") .. "\n")
end
