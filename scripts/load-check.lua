-- wrk script for scripts/bench-load: checks every response while an edition
-- is published mid-run. A response is "mixed" if it names both editions or
-- neither, or (for the API) if its numbers belong to the other edition
-- than its label: edition B revises one indicator to the value MARKER.
-- Prints one line of counts when wrk finishes.
local threads = {}
local label_a = os.getenv("LABEL_A")
local label_b = os.getenv("LABEL_B")
local marker = os.getenv("MARKER") or ""
local marker_expected = os.getenv("MARKER_EXPECTED") == "1"
-- PATHS (comma-separated) makes each connection cycle through several pages.
local paths = {}
for p in (os.getenv("PATHS") or ""):gmatch("[^,]+") do table.insert(paths, p) end
if #paths > 0 then
  local i = 0
  request = function()
    i = i % #paths + 1
    return wrk.format(nil, paths[i])
  end
end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  failed, mixed, seen_a, seen_b = 0, 0, 0, 0
end

function response(status, headers, body)
  if status ~= 200 then
    failed = failed + 1
    return
  end
  local a = body:find(label_a, 1, true) ~= nil
  local b = body:find(label_b, 1, true) ~= nil
  local revised = marker ~= "" and body:find(marker, 1, true) ~= nil
  if a == b then
    mixed = mixed + 1
  elseif b then
    seen_b = seen_b + 1
    if marker_expected and not revised then mixed = mixed + 1 end
  else
    seen_a = seen_a + 1
    if revised then mixed = mixed + 1 end
  end
end

function done(summary, latency, requests)
  local f, m, a, b = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    f = f + t:get("failed")
    m = m + t:get("mixed")
    a = a + t:get("seen_a")
    b = b + t:get("seen_b")
  end
  local e = summary.errors
  io.write(string.format(
    "checked: requests %d, socket errors %d, failed status %d, mixed %d, edition A %d, edition B %d\n",
    summary.requests, e.connect + e.read + e.write + e.timeout, f, m, a, b))
end
