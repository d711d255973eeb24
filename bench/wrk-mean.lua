-- wrk script for bench/sweep.sh: at the end of a run, prints the mean
-- latency of the requests wrk completed, in microseconds, on a line
-- "requests' mean latency: N us". wrk's own mean (and its percentiles)
-- are not that: for each request that took 2e or more, e being a run's
-- time over the requests each connection completed, wrk adds made-up
-- requests of its latency less e, less 2e, and so on down to e (its
-- correction for coordinated omission). With a tail of long requests
-- they outnumber the real ones, and the mean times the rate is no
-- longer the requests in flight (Little's law). This takes them out
-- again. WRK_CONNECTIONS must hold wrk's -c.
done = function(summary, latency, requests)
  local c = tonumber(os.getenv("WRK_CONNECTIONS") or "")
  if not c or c < 1 then
    io.write("requests' mean latency: unknown (WRK_CONNECTIONS not set)\n")
    return
  end
  local real = summary.requests - summary.errors.timeout -- those wrk recorded
  if real < 1 then
    io.write("requests' mean latency: unknown (no requests)\n")
    return
  end
  local per = math.floor(summary.requests / c)
  local e = per > 0 and math.floor(summary.duration / per) or 0
  -- wrk's histogram holds sum and count of the real and the made-up
  -- latencies; the made-up ones are all below the largest real one
  -- minus e. Going down the values from the top, a value's real count
  -- is its count less the real counts of the values e, 2e, ... above
  -- it (kept by value mod e); each real value v >= 2e made up the
  -- values v - je > e.
  local made, madeSum = 0, 0
  if e > 0 then
    local above = {}
    for i = #latency, 1, -1 do
      local v, k = latency(i)
      if v < 2 * e then break end
      local r = v % e
      local own = k - (above[r] or 0)
      above[r] = (above[r] or 0) + own
      local j = math.ceil(v / e) - 2 -- values v - e ... down to above e
      if j > 0 then
        made = made + own * j
        madeSum = madeSum + own * (j * v - e * j * (j + 1) / 2)
      end
    end
  end
  local sum = latency.mean * (real + made) - madeSum
  io.write(string.format("requests' mean latency: %.1f us\n", sum / real))
end
