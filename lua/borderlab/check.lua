--[[
borderlab.check: what every constructor of the scenario library uses to
check its argument (fields, numbers, lists, with "did you mean" for a
misspelt field) and to tag the object it returns for the C converter,
with where it was called.  Internal to the library (init.lua, stations.lua,
jobs.lua); a scenario has no use for it.
]]
local core = require "borderlab.core"

local type, pairs, ipairs, error, tostring, setmetatable =
    type, pairs, ipairs, error, tostring, setmetatable
local format, concat = string.format, table.concat
local math_type, math_min, math_abs = math.type, math.min, math.abs

-- ------------------------------------------------------------ checking
--
-- Convention: `level` is what error() takes, counted from the function that
-- receives it; helpers pass level + 1 on.  Constructors must not tail-call
-- a helper that may raise (a tail call removes their frame).

-- Edit distance, for "did you mean" on a misspelt field.
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
local function suggest(k, allowed)
    local best, best_d = nil, 3
    for _, a in ipairs(allowed) do
        local d = distance(k, a)
        if d < best_d then
            best, best_d = a, d
        end
    end
    return best and format("; did you mean '%s'?", best) or ""
end

-- t must be a table whose keys are the strings in `allowed` or the
-- positions 1..npos.
local function check_fields(fname, t, allowed, npos, level)
    level = level + 1
    if type(t) ~= "table" then
        error(format("%s: expects a table, as in %s{...} (got %s)", fname, fname, type(t)), level)
    end
    local known = {}
    for _, k in ipairs(allowed) do
        known[k] = true
    end
    for k in pairs(t) do
        if math_type(k) == "integer" and k >= 1 and k <= npos then
            -- a positional value
        elseif type(k) ~= "string" then
            error(format("%s: unexpected value at index %s", fname, tostring(k)), level)
        elseif not known[k] then
            local list = #allowed > 0 and format(" (fields: %s)", concat(allowed, ", ")) or ""
            error(format("%s: unknown field '%s'%s%s", fname, k, suggest(k, allowed), list), level)
        end
    end
end

local function check_number(fname, what, x, level)
    if type(x) ~= "number" then
        error(format("%s: %s must be a number (got %s)", fname, what, type(x)), level + 1)
    end
end

-- A sequence (1..#t, nothing else) of anything.
local function check_list(fname, t, level)
    check_fields(fname, t, {}, #t, level + 1)
end

-- Objects C converts: the kind is in the metatable (read raw by C); a
-- script sees only "borderlab.<kind>" and cannot re-tag them.
local tags = {}
local function tagged(kind, o, level)
    local src, line = core.where(level + 1)
    o._src, o._line = src, line
    local mt = tags[kind]
    if mt == nil then
        mt = { __bl = kind, __metatable = "borderlab." .. kind }
        tags[kind] = mt
    end
    return setmetatable(o, mt)
end

return {
    suggest = suggest,
    check_fields = check_fields,
    check_number = check_number,
    check_list = check_list,
    tagged = tagged,
}
