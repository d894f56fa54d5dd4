-- wrk script for scripts/bench-pages: appends each response's Server-Timing
-- duration (ms: the server's own time to resolve and render the page) to
-- the file named by the TIMING_FILE environment variable.
local out
function init(args)
  out = io.open(os.getenv("TIMING_FILE"), "a")
  out:setvbuf("line")
end
function response(status, headers, body)
  local t = headers["server-timing"] or headers["Server-Timing"]
  if t then
    local ms = t:match("dur=([%d%.]+)")
    if ms then out:write(ms, "\n") end
  end
end
