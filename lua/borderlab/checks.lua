--[[
borderlab.checks: what every constructor of the scenario library shares
(the C half is borderlab.core, core/scenario/lua_bl.c).

  constructor(name, kind, build)  makes bl.<name>: build(t) checks t and
      returns the object C converts; the constructor tags it with kind and
      the line that called it.  A check that fails calls fail(message):
      the constructor raises the message at the caller's line, whatever
      the depth of the helper that found it, so no helper counts levels.
  fields(name)  the fields a constructor takes, from the one table the C
      converter reads through too (core/scenario/fields.h; `borderlab
      fields` prints them with their defaults).
  check_fields(fname, t, allowed, npos)  t's keys are allowed names or the
      positions 1..npos; a misspelt name gets "did you mean".
]]
local core = require "borderlab.core"

local type, pairs, ipairs, error, tostring, setmetatable, pcall, getmetatable =
    type, pairs, ipairs, error, tostring, setmetatable, pcall, getmetatable
local format, concat = string.format, table.concat
local math_type, math_min, math_abs = math.type, math.min, math.abs

local M = {}

-- ------------------------------------------------------------ failing

-- A constructor's own failure: a table, so the constructor can tell it
-- from a bug (a string error) and re-raise only it at the caller's line.
local failure = {}

function M.fail(message)
    error(setmetatable({ message = message }, failure), 0)
end

local fail = M.fail

-- bl.<name>: build(t) under pcall; the object it returns gets the kind C
-- converts it by (in its metatable, read raw by C: a script sees only
-- "borderlab.<kind>" and cannot re-tag it) and the caller's file:line.
local tags = {}
function M.constructor(kind, build)
    local mt = kind ~= nil and tags[kind]
    if kind ~= nil and not mt then
        mt = { __bl = kind, __metatable = "borderlab." .. kind }
        tags[kind] = mt
    end
    return function(...)
        local ok, o = pcall(build, ...)
        if not ok then
            if getmetatable(o) == failure then
                error(o.message, 2)
            end
            error(o, 0)
        end
        if kind ~= nil then
            local src, line = core.where(2)
            o._src, o._line = src, line
            setmetatable(o, mt)
        end
        return o
    end
end

-- ------------------------------------------------------------ suggestions

-- Edit distance, for "did you mean" on a misspelt name.
local function distance(a, b)
    if math_abs(#a - #b) > 2 then
        return 99
    end
    local prev = {}
    for j = 0, #b do
        prev[j] = j
    end
    for i = 1, #a do
        local cur = { [0] = i }
        for j = 1, #b do
            local cost = a:byte(i) == b:byte(j) and 0 or 1
            cur[j] = math_min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        end
        prev = cur
    end
    return prev[#b]
end

-- "; did you mean 'x'?" for the name in `allowed` closest to k, or "".
function M.suggest(k, allowed)
    local best, best_d = nil, 3
    for _, a in ipairs(allowed) do
        local d = distance(k, a)
        if d < best_d then
            best, best_d = a, d
        end
    end
    return best and format("; did you mean '%s'?", best) or ""
end

-- ------------------------------------------------------------ fields

local cache = {}

-- The fields of constructor `name` (a list) and whether it takes others.
function M.fields(name)
    local c = cache[name]
    if c == nil then
        local list, open = core.fields(name)
        c = { list = list, open = open }
        cache[name] = c
    end
    return c.list, c.open
end

-- t must be a table whose keys are the strings in `allowed` or the
-- positions 1..npos.
function M.check_fields(fname, t, allowed, npos)
    if type(t) ~= "table" then
        fail(format("%s: expects a table, as in %s{...} (got %s)", fname, fname, type(t)))
    end
    local known = {}
    for _, k in ipairs(allowed) do
        known[k] = true
    end
    for k in pairs(t) do
        if math_type(k) == "integer" and k >= 1 and k <= npos then
            -- a positional value
        elseif type(k) ~= "string" then
            fail(format("%s: unexpected value at index %s", fname, tostring(k)))
        elseif not known[k] then
            local list = #allowed > 0 and format(" (fields: %s)", concat(allowed, ", ")) or ""
            fail(format("%s: unknown field '%s'%s%s", fname, k, M.suggest(k, allowed), list))
        end
    end
end

-- t's keys against constructor name's field table (unless it takes any).
function M.check_table(name, t, npos)
    local allowed, open = M.fields(name)
    if open then
        if type(t) ~= "table" then
            fail(format("%s: expects a table, as in %s{...} (got %s)", name, name, type(t)))
        end
        return
    end
    M.check_fields(name, t, allowed, npos or 0)
end

-- The values of t's fields for constructor name, copied into a new table
-- (the object C reads through the same table).
function M.copy_fields(name, t, into)
    local o = into or {}
    for _, f in ipairs((M.fields(name))) do
        if o[f] == nil then
            o[f] = t[f]
        end
    end
    return o
end

-- ------------------------------------------------------------ values

function M.check_number(fname, what, x)
    if type(x) ~= "number" then
        fail(format("%s: %s must be a number (got %s)", fname, what, type(x)))
    end
end

-- A sequence (1..#t, nothing else) of anything.
function M.check_list(fname, t)
    M.check_fields(fname, t, {}, type(t) == "table" and #t or 0)
end

-- A rate must be a number >= 0 (finite): checked here so a negative rate
-- is an error at the constructor's line.
function M.check_rate(fname, what, r)
    if type(r) ~= "number" or not (r >= 0 and r < math.huge) then
        fail(format("%s: %s must be a rate >= 0 per second (got %s)", fname, what, tostring(r)))
    end
end

-- Exactly one of the fields a, b of t: returns its name.
function M.one_of(fname, t, a, b)
    if t[a] ~= nil and t[b] ~= nil then
        fail(format("%s: give %s= or %s=, not both", fname, a, b))
    elseif t[a] == nil and t[b] == nil then
        fail(format("%s: needs %s= or %s=", fname, a, b))
    end
    local k = t[a] ~= nil and a or b
    M.check_number(fname, k, t[k])
    return k
end

return M
