--[[
borderlab.jobs: the job constructors (bl.checkpoint, bl.detector_bench,
bl.risk_validation, bl.store_soak) and the objects only a job takes
(bl.xray, bl.replay, bl.declarations, bl.csv, bl.storage).  init.lua
installs them in `bl`; their defaults are documented there.  Levels passed
to error() follow the convention in check.lua.
]]
local core = require "borderlab.core"
local check = require "borderlab.check"

local type, pairs, ipairs, error, tostring = type, pairs, ipairs, error, tostring
local format = string.format
local check_fields, check_number, check_list, tagged =
    check.check_fields, check.check_number, check.check_list, check.tagged
local suggest = check.suggest
local concat = table.concat

local bl = {}

-- ------------------------------------------------------------ jobs

local checkpoint_fields = { "name", "seed", "replications", "duration", "max_entities", "warmup",
    "entity_table", "series_step", "classes", "replay", "arrivals", "population", "stations",
    "plugins", "surrogate", "scan" }

-- The checkpoint job: entities arrive, pass the stations, leave.
function bl.checkpoint(t)
    check_fields("bl.checkpoint", t, checkpoint_fields, 0, 2)
    if t.warmup ~= nil then
        check_fields("bl.checkpoint: warmup", t.warmup, { "time", "entities" }, 0, 2)
        if t.warmup.time ~= nil and t.warmup.entities ~= nil then
            error("bl.checkpoint: warmup: give time= or entities=, not both", 2)
        end
    end
    if t.plugins ~= nil then
        check_fields("bl.checkpoint: plugins", t.plugins, { "detector", "risk", "store" }, 0, 2)
    end
    if t.scan ~= nil then
        check_fields("bl.checkpoint: scan", t.scan, { "width", "height", "pixel_mm" }, 0, 2)
    end
    if t.stations ~= nil then
        check_list("bl.checkpoint: stations", t.stations, 2)
    end
    if t.classes ~= nil then
        check_list("bl.checkpoint: classes", t.classes, 2)
        if t.arrivals ~= nil or t.population ~= nil then
            error("bl.checkpoint: with classes=, arrivals= and population= go inside each "
                .. "bl.class{...}", 2)
        end
    end
    local o = { job = "checkpoint" }
    for _, f in ipairs(checkpoint_fields) do
        o[f] = t[f]
    end
    local obj = tagged("job", o, 2)
    return obj
end

-- ------------------------------------------------------------ detector bench

local xray_fields = { "width", "height", "pixel_mm", "subject", "prevalence", "clutter",
    "occlusion", "object_scale", "photons", "blur", "dual_energy" }

-- bl.xray{width = 512, prevalence = {firearm = 0.05, ...}, ...}: the scan
-- generator.  Threat names come from the C side (core/xray.c), so the list
-- here cannot drift from what the generator knows.
function bl.xray(t)
    check_fields("bl.xray", t, xray_fields, 0, 2)
    if t.subject ~= nil and t.subject ~= "bag" and t.subject ~= "container" then
        error(format("bl.xray: subject must be 'bag' or 'container' (got %s)",
            type(t.subject) == "string" and "'" .. t.subject .. "'" or type(t.subject)), 2)
    end
    local prevalence
    if t.prevalence ~= nil then
        if type(t.prevalence) ~= "table" then
            error(format("bl.xray: prevalence must be a table such as {firearm = 0.05} (got %s)",
                type(t.prevalence)), 2)
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
                error(format("bl.xray: prevalence: unknown threat '%s'%s (threats: %s)",
                    tostring(k), hint, concat(threats, ", ")), 2)
            end
            check_number("bl.xray", "prevalence." .. k, v, 2)
            prevalence[k] = v
        end
    end
    local o = {}
    for _, f in ipairs(xray_fields) do
        o[f] = t[f]
    end
    o.prevalence = prevalence
    local obj = tagged("xray", o, 2)
    return obj
end

-- bl.replay{folder = "images", annotations = "images/coco.json", pixel_mm = 1.2}:
-- a team's own labelled images.  Relative paths are relative to the scenario
-- file; pixel_mm (mm per pixel) is needed when the images do not state it.
function bl.replay(t)
    check_fields("bl.replay", t, { "folder", "annotations", "pixel_mm" }, 0, 2)
    for _, f in ipairs { "folder", "annotations" } do
        if type(t[f]) ~= "string" or t[f] == "" then
            error(format("bl.replay: %s= must be a path (got %s)", f, type(t[f])), 2)
        end
    end
    if t.pixel_mm ~= nil then
        check_number("bl.replay", "pixel_mm", t.pixel_mm, 2)
        if not (t.pixel_mm > 0 and t.pixel_mm < math.huge) then
            error(format("bl.replay: pixel_mm must be the size of a pixel in mm, > 0 (got %s)",
                tostring(t.pixel_mm)), 2)
        end
    end
    local obj = tagged("replay",
        { folder = t.folder, annotations = t.annotations, pixel_mm = t.pixel_mm }, 2)
    return obj
end

local bench_fields = { "name", "seed", "scans", "generator", "replay", "detectors", "threshold",
    "batch", "intervals", "save_scans", "performance" }
local performance_fields = {
    offline = { "scans", "batch_sizes", "threads" },
    single_stream = { "queries" },
    server = { "rate", "queries", "p99_bound" },
}

-- The detector_bench job: a fixed, seeded set of scans through detectors.
function bl.detector_bench(t)
    check_fields("bl.detector_bench", t, bench_fields, 0, 2)
    if t.detectors ~= nil then
        check_list("bl.detector_bench: detectors", t.detectors, 2)
    end
    if t.generator ~= nil and t.replay ~= nil then
        error("bl.detector_bench: give generator= (bl.xray{...}) or replay= (bl.replay{...}), "
            .. "not both", 2)
    end
    local p = t.performance
    if p ~= nil then
        check_fields("bl.detector_bench: performance", p, { "pool", "offline", "single_stream",
            "server" }, 0, 2)
        for mode, fields in pairs(performance_fields) do
            if p[mode] ~= nil then
                check_fields("bl.detector_bench: performance." .. mode, p[mode], fields, 0, 2)
            end
        end
        if p.offline ~= nil then
            for _, f in ipairs { "batch_sizes", "threads" } do
                if p.offline[f] ~= nil then
                    check_list("bl.detector_bench: performance.offline." .. f, p.offline[f], 2)
                end
            end
        end
    end
    local o = { job = "detector_bench" }
    for _, f in ipairs(bench_fields) do
        o[f] = t[f]
    end
    local obj = tagged("job", o, 2)
    return obj
end

-- ------------------------------------------------------------ risk validation

-- The generator's knobs a model developer sets (core/declaration_gen.h);
-- the HS, origin and route tables are the built-in ones.
local declarations_fields = { "records", "weeks", "seed_world", "fraud_rate", "patterns",
    "critical", "unlabelled", "seasonal_amplitude", "seasonal_peak_week", "importers",
    "importer_size_shape", "importer_risk_sigma", "habitual_share", "habitual_factor",
    "importer_codes", "importer_focus", "declarants", "declarant_size_shape",
    "lax_declarant_share", "lax_declarant_factor", "preferential_factor", "consignment_value",
    "quantity_sigma", "max_fraud_probability", "undervaluation_min", "undervaluation_max",
    "prohibited_penalty", "history_lag_weeks", "declaration_ids" }
local pattern_names = { "undervaluation", "misclassification", "false_origin", "prohibited" }

-- bl.declarations{records = 200000, fraud_rate = 0.06, patterns = {...}, ...}:
-- synthetic declarations with ground truth.  Values are checked in C
-- (bl_declaration_gen_config_validate), at this call's line.
function bl.declarations(t)
    t = t or {}
    check_fields("bl.declarations", t, declarations_fields, 0, 2)
    if t.patterns ~= nil then
        check_fields("bl.declarations: patterns", t.patterns, pattern_names, 0, 2)
    end
    local o = {}
    for _, f in ipairs(declarations_fields) do
        o[f] = t[f]
    end
    if t.patterns ~= nil then
        o.patterns = {}
        for k, v in pairs(t.patterns) do
            o.patterns[k] = v
        end
    end
    local obj = tagged("declarations", o, 2)
    return obj
end

local column_types = { "numeric", "categorical", "identifier" }
local csv_fields = { "path", "columns", "label", "revenue", "week", "labelled", "on_bad_row" }

-- bl.csv{path = "decl.csv", columns = {["declared value"] = "numeric", ...},
-- label = "fraud", ...}: a team's own declarations.  columns are what the
-- models may read; label, revenue, week and labelled name truth columns the
-- host reads itself.
function bl.csv(t)
    check_fields("bl.csv", t, csv_fields, 0, 2)
    if type(t.path) ~= "string" or t.path == "" then
        error(format("bl.csv: path= must be a file name (got %s)", type(t.path)), 2)
    end
    if type(t.columns) ~= "table" then
        error(format('bl.csv: columns= must be a table such as {origin = "categorical", '
            .. 'value = "numeric"} (got %s)', type(t.columns)), 2)
    end
    local columns = {}
    for k, v in pairs(t.columns) do
        if type(k) ~= "string" then
            error(format('bl.csv: columns: keys are column names, as in {origin = "categorical"} '
                .. "(got %s)", tostring(k)), 2)
        end
        local known = false
        for _, ct in ipairs(column_types) do
            known = known or v == ct
        end
        if not known then
            local hint = type(v) == "string" and suggest(v, column_types) or ""
            error(format("bl.csv: columns['%s'] = %s: the type is 'numeric', 'categorical' or "
                .. "'identifier'%s", k, type(v) == "string" and "'" .. v .. "'" or tostring(v),
                hint), 2)
        end
        columns[k] = v
    end
    if t.on_bad_row ~= nil and t.on_bad_row ~= "fail" and t.on_bad_row ~= "skip" then
        error(format("bl.csv: on_bad_row must be 'fail' or 'skip' (got %s)",
            type(t.on_bad_row) == "string" and "'" .. t.on_bad_row .. "'"
            or tostring(t.on_bad_row)), 2)
    end
    local o = {}
    for _, f in ipairs(csv_fields) do
        o[f] = t[f]
    end
    o.columns = columns
    local obj = tagged("csv", o, 2)
    return obj
end

local risk_fields = { "name", "seed", "declarations", "models", "rates", "breakdown",
    "weekly_rate", "batch", "bootstrap", "gate" }

-- The risk_validation job: declarations scored by risk models, ranked and
-- measured at inspection rates; gate = {["precision@5"] = 0.2, ...} is the
-- rollout gate.
function bl.risk_validation(t)
    check_fields("bl.risk_validation", t, risk_fields, 0, 2)
    for _, f in ipairs { "models", "rates", "breakdown" } do
        if t[f] ~= nil then
            check_list("bl.risk_validation: " .. f, t[f], 2)
        end
    end
    if t.gate ~= nil and type(t.gate) ~= "table" then
        error(format('bl.risk_validation: gate must be a table such as {["precision@5"] = 0.2} '
            .. "(got %s)", type(t.gate)), 2)
    end
    local o = { job = "risk_validation" }
    for _, f in ipairs(risk_fields) do
        o[f] = t[f]
    end
    local obj = tagged("job", o, 2)
    return obj
end

-- ------------------------------------------------------------ store soak

local room_fields = { "name", "shelves", "bins", "capacity", "classes" }

-- bl.storage{rooms = {{name = "A", shelves = 4, bins = 10, capacity = 20,
-- classes = {"drugs", "cigarettes"}}, ...}}: the bins of a seizure store
-- (core/storage.h).  Values are checked in C at this call's line.
function bl.storage(t)
    check_fields("bl.storage", t, { "rooms" }, 0, 2)
    check_list("bl.storage: rooms", t.rooms, 2)
    local rooms = {}
    for i, r in ipairs(t.rooms) do
        local f = format("bl.storage: rooms[%d]", i)
        check_fields(f, r, room_fields, 0, 2)
        if r.classes ~= nil then
            check_list(f .. ": classes", r.classes, 2)
        end
        rooms[i] = { name = r.name, shelves = r.shelves, bins = r.bins, capacity = r.capacity,
            classes = r.classes }
    end
    local obj = tagged("storage", { rooms = rooms }, 2)
    return obj
end

local soak_fields = { "name", "seed", "store", "clients", "operations", "duration", "rate", "mix",
    "sync_every", "layout", "policy", "misplace", "inventory_every" }
local soak_verbs = { "deposit", "move", "retrieve", "dispose", "get", "list", "verify" }

-- The store_soak job: client threads drive a seizure store plugin with a
-- weighted mix of verbs at a target rate (core/store_soak.h).
function bl.store_soak(t)
    check_fields("bl.store_soak", t, soak_fields, 0, 2)
    if t.mix ~= nil then
        check_fields("bl.store_soak: mix", t.mix, soak_verbs, 0, 2)
    end
    if t.operations ~= nil and t.duration ~= nil then
        error("bl.store_soak: give operations= or duration=, not both", 2)
    end
    local o = { job = "store_soak" }
    for _, f in ipairs(soak_fields) do
        o[f] = t[f]
    end
    local obj = tagged("job", o, 2)
    return obj
end

return bl
