--[[
borderlab.risk: the risk_validation job's constructors (the C half is
core/jobs/risk/scenario_risk.c; every field, with its default, is in
core/jobs/risk/risk_fields.c: `borderlab fields bl.declarations` prints
it).  Values are checked in C, at the constructor's line.
]]
local checks = require "borderlab.checks"

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local format = string.format
local fail, constructor, check_table, copy_fields, check_list, suggest =
    checks.fail, checks.constructor, checks.check_table, checks.copy_fields, checks.check_list,
    checks.suggest

local M = {}

-- bl.declarations{records = 200000, fraud_rate = 0.06, patterns = {...}, ...}:
-- synthetic declarations with ground truth.
M.declarations = constructor("declarations", function(t)
    t = t or {}
    check_table("bl.declarations", t)
    local patterns
    if t.patterns ~= nil then
        check_table("bl.declarations: patterns", t.patterns)
        patterns = {}
        for k, v in pairs(t.patterns) do
            patterns[k] = v
        end
    end
    return copy_fields("bl.declarations", t, { patterns = patterns })
end)

local column_types = { "numeric", "categorical", "identifier" }

-- bl.csv{path = "decl.csv", columns = {["declared value"] = "numeric", ...},
-- label = "fraud", ...}: a team's own declarations.  columns are what the
-- models may read; label, revenue, week and labelled name truth columns the
-- host reads itself.
M.csv = constructor("csv", function(t)
    check_table("bl.csv", t)
    if type(t.path) ~= "string" or t.path == "" then
        fail(format("bl.csv: path= must be a file name (got %s)", type(t.path)))
    end
    if type(t.columns) ~= "table" then
        fail(format('bl.csv: columns= must be a table such as {origin = "categorical", '
            .. 'value = "numeric"} (got %s)', type(t.columns)))
    end
    local columns = {}
    for k, v in pairs(t.columns) do
        if type(k) ~= "string" then
            fail(format('bl.csv: columns: keys are column names, as in {origin = "categorical"} '
                .. "(got %s)", tostring(k)))
        end
        local known = false
        for _, ct in ipairs(column_types) do
            known = known or v == ct
        end
        if not known then
            local hint = type(v) == "string" and suggest(v, column_types) or ""
            fail(format("bl.csv: columns['%s'] = %s: the type is 'numeric', 'categorical' or "
                .. "'identifier'%s", k, type(v) == "string" and "'" .. v .. "'" or tostring(v),
                hint))
        end
        columns[k] = v
    end
    if t.on_bad_row ~= nil and t.on_bad_row ~= "fail" and t.on_bad_row ~= "skip" then
        fail(format("bl.csv: on_bad_row must be 'fail' or 'skip' (got %s)",
            type(t.on_bad_row) == "string" and "'" .. t.on_bad_row .. "'"
            or tostring(t.on_bad_row)))
    end
    return copy_fields("bl.csv", t, { columns = columns })
end)

-- The risk_validation job: declarations scored by risk models, ranked and
-- measured at inspection rates; gate = {["precision@5"] = 0.2, ...} is the
-- rollout gate.
M.risk_validation = constructor("job", function(t)
    check_table("bl.risk_validation", t)
    for _, f in ipairs { "models", "rates", "breakdown" } do
        if t[f] ~= nil then
            check_list("bl.risk_validation: " .. f, t[f])
        end
    end
    if t.gate ~= nil and type(t.gate) ~= "table" then
        fail(format('bl.risk_validation: gate must be a table such as {["precision@5"] = 0.2} '
            .. "(got %s)", type(t.gate)))
    end
    return copy_fields("bl.risk_validation", t, { job = "risk_validation" })
end)

return M
