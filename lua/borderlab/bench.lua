--[[
borderlab.bench: the detector_bench job's constructors (the C half is
core/jobs/detector/scenario_bench.c; every field, with its default, is in
core/jobs/detector/detector_fields.c: `borderlab fields bl.xray` prints
it).  Threat names come from the C side (core.threats), so the list here
cannot drift from what the generator knows.
]]
local core = require "borderlab.core"
local checks = require "borderlab.checks"

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local format, concat = string.format, table.concat
local fail, constructor, check_table, copy_fields, check_number, check_list, suggest =
    checks.fail, checks.constructor, checks.check_table, checks.copy_fields,
    checks.check_number, checks.check_list, checks.suggest

local M = {}

-- bl.xray{width = 512, prevalence = {firearm = 0.05, ...}, ...}: the scan
-- generator.
M.xray = constructor("xray", function(t)
    check_table("bl.xray", t)
    if t.subject ~= nil and t.subject ~= "bag" and t.subject ~= "container" then
        fail(format("bl.xray: subject must be 'bag' or 'container' (got %s)",
            type(t.subject) == "string" and "'" .. t.subject .. "'" or type(t.subject)))
    end
    local prevalence
    if t.prevalence ~= nil then
        if type(t.prevalence) ~= "table" then
            fail(format("bl.xray: prevalence must be a table such as {firearm = 0.05} (got %s)",
                type(t.prevalence)))
        end
        local threats = core.threats()
        local known = {}
        for _, name in ipairs(threats) do
            known[name] = true
        end
        prevalence = {}
        for k, v in pairs(t.prevalence) do
            if type(k) ~= "string" or not known[k] then
                local hint = type(k) == "string" and suggest(k, threats) or ""
                fail(format("bl.xray: prevalence: unknown threat '%s'%s (threats: %s)",
                    tostring(k), hint, concat(threats, ", ")))
            end
            check_number("bl.xray", "prevalence." .. k, v)
            prevalence[k] = v
        end
    end
    return copy_fields("bl.xray", t, { prevalence = prevalence })
end)

-- bl.replay{folder = "images", annotations = "images/coco.json", pixel_mm = 1.2}:
-- a team's own labelled images.  Relative paths are relative to the scenario
-- file; pixel_mm (mm per pixel) is needed when the images do not state it.
M.replay = constructor("replay", function(t)
    check_table("bl.replay", t)
    for _, f in ipairs { "folder", "annotations" } do
        if type(t[f]) ~= "string" or t[f] == "" then
            fail(format("bl.replay: %s= must be a path (got %s)", f, type(t[f])))
        end
    end
    if t.pixel_mm ~= nil then
        check_number("bl.replay", "pixel_mm", t.pixel_mm)
        if not (t.pixel_mm > 0 and t.pixel_mm < math.huge) then
            fail(format("bl.replay: pixel_mm must be the size of a pixel in mm, > 0 (got %s)",
                tostring(t.pixel_mm)))
        end
    end
    return copy_fields("bl.replay", t)
end)

-- The detector_bench job: a fixed, seeded set of scans through detectors.
M.detector_bench = constructor("job", function(t)
    check_table("bl.detector_bench", t)
    if t.detectors ~= nil then
        check_list("bl.detector_bench: detectors", t.detectors)
    end
    if t.generator ~= nil and t.replay ~= nil then
        fail("bl.detector_bench: give generator= (bl.xray{...}) or replay= (bl.replay{...}), "
            .. "not both")
    end
    local p = t.performance
    if p ~= nil then
        check_table("bl.detector_bench: performance", p)
        for _, mode in ipairs { "offline", "single_stream", "server" } do
            if p[mode] ~= nil then
                check_table("bl.detector_bench: performance." .. mode, p[mode])
            end
        end
        if p.offline ~= nil then
            for _, f in ipairs { "batch_sizes", "threads" } do
                if p.offline[f] ~= nil then
                    check_list("bl.detector_bench: performance.offline." .. f, p.offline[f])
                end
            end
        end
    end
    return copy_fields("bl.detector_bench", t, { job = "detector_bench" })
end)

return M
