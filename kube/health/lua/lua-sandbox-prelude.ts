/**
 * Runs before every script, with the clock (`now`, seconds) as its argument. It leaves what Argo CD
 * gives a health script (util/lua/lua.go: base, table, string, math and a safe `os` of `time` and
 * `date`; `require` of "os" only) and removes the rest:
 *
 * - no `io`, `debug`, `package`, `coroutine` (never opened); `os` keeps only time/date/difftime;
 * - no code loading: `load`, `loadfile`, `dofile`, `loadstring`, `string.dump`;
 * - `print` does nothing (a script must not write to the spoke's log), `collectgarbage` is gone;
 * - Lua 5.1 names Argo CD's scripts use: `table.getn`, `unpack`, `math.pow`, `math.mod`, `string.gfind`;
 * - pattern functions refuse subject × pattern combinations whose backtracking could run for
 *   minutes inside one C call, where the step budget cannot interrupt them (a failing match of
 *   q quantifiers over n bytes backtracks C(n+q, q) times; past 1e8 the call is refused).
 *
 * Each run has a fresh Lua state, so nothing a script changes here outlives it.
 */
export const SANDBOX_PRELUDE = String.raw`
local now = ...
local c_time, c_date, c_difftime = os.time, os.date, os.difftime
local type, error = type, error

local safe_os = {
  time = function(t)
    if t == nil then return now end
    return c_time(t)
  end,
  date = function(fmt, t)
    if t == nil then t = now end
    return c_date(fmt, t)
  end,
  difftime = c_difftime,
}
os = safe_os

function require(name)
  if name == "os" then return safe_os end
  error("module '" .. tostring(name) .. "' not found (a health script may require only \"os\")", 2)
end

load, loadfile, dofile, loadstring, collectgarbage = nil, nil, nil, nil, nil
string.dump = nil
print = function() end

table.getn = function(t) return #t end
unpack = table.unpack
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod
string.gfind = string.gmatch

-- A failing match backtracks through every way of sharing the subject's n bytes among the
-- pattern's q quantifiers: C(n+q, q) tries. Refuse what would run past ~1e8.
local function quantifiers(p)
  local n, i, len = 0, 1, #p
  while i <= len do
    local c = p:byte(i)
    if c == 37 then i = i + 1                          -- %x: escaped
    elseif c == 91 then                                -- [set]
      i = i + 1
      if p:byte(i) == 94 then i = i + 1 end
      if p:byte(i) == 93 then i = i + 1 end
      while i <= len and p:byte(i) ~= 93 do
        if p:byte(i) == 37 then i = i + 1 end
        i = i + 1
      end
    elseif c == 42 or c == 43 or c == 45 then n = n + 1 -- * + -
    end
    i = i + 1
  end
  return n
end
local function guarded(fn)
  return function(s, p, ...)
    if type(s) == "string" and type(p) == "string" then
      local q = quantifiers(p)
      local tries = 1
      for i = 1, q do tries = tries * (#s + i) / i end
      if q >= 2 and tries > 1e8 then
        error("pattern too costly for the sandbox (" .. q .. " quantifiers on a " .. #s .. "-byte string)", 2)
      end
    end
    return fn(s, p, ...)
  end
end
string.find = guarded(string.find)
string.match = guarded(string.match)
string.gmatch = guarded(string.gmatch)
string.gsub = guarded(string.gsub)
string.gfind = string.gmatch
`;
