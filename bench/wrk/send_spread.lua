-- wrk script: POST a new message (unique id per request), spread round-robin over
-- PARLEY_CHANNELS channels named /v1/channels/livestream/bench<N>/messages.
-- Env: PARLEY_KEY, PARLEY_TOKEN, PARLEY_CHANNELS
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  channels = tonumber(os.getenv("PARLEY_CHANNELS") or "1")
  wrk.method = "POST"
  wrk.headers["X-Api-Key"] = os.getenv("PARLEY_KEY")
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("PARLEY_TOKEN")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local path = string.format("/v1/channels/livestream/bench%d/messages", counter % channels)
  local body = string.format('{"id":"s%d-%d-%d","text":"benchmark message"}', tid, os.time(), counter)
  return wrk.format(nil, path, nil, body)
end
