-- wrk script: POST a new message (unique id per request) to one channel.
-- Env: PARLEY_KEY, PARLEY_TOKEN, PARLEY_CID_PATH (e.g. /v1/channels/livestream/bench/messages)
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.path = os.getenv("PARLEY_CID_PATH")
  wrk.headers["X-Api-Key"] = os.getenv("PARLEY_KEY")
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("PARLEY_TOKEN")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format('{"id":"b%d-%d-%d","text":"benchmark message"}', tid, os.time(), counter)
  return wrk.format(nil, nil, nil, body)
end
