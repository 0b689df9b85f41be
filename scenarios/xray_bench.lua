--[[
X-ray bench: what a procurement team runs before buying automatic threat
detection for cabin-bag X-ray.

A fixed, seeded test set of 5 000 synthetic dual-energy scans of bags
(512 x 512 pixels, Beer-Lambert at two effective energies with NIST XCOM
coefficients, Poisson photon noise and blur: core/gen/xray.c).  Each of the
seven threat classes (firearm, knife, explosive, drugs, cigarettes,
currency, metal) is placed independently in 4% of the bags, so about a
quarter of the bags hold at least one threat and each class has about 200
positives: enough for Wilson intervals about +-6 points wide on its Pd.
The set depends only on the seed and the generator settings, never on the
thread count or on which detectors run: a vendor's library benchmarked
later against the same file sees the same bags (the results record the
set's SHA-256, scan_set_sha256, so `borderlab compare` can check).

Both reference detectors run on the same scans:
  dual_energy   material discrimination from the high/low attenuation
                ratio, connected components and shape features;
  density       single-energy: anything dense against its surroundings,
                classed by shape alone; sensitive but unspecific (a laptop
                or a full bottle alarms too), and its drugs, cigarettes and
                explosive scores are always 0: compare it on "any".
Accuracy mode keeps every detection; then LoadGen-style timing of each
detector on a pool of pre-generated scans: offline (scans/s over batch
sizes and threads), single-stream (latency percentiles) and server (Poisson
arrivals at 50 scans/s, is p99 under 100 ms?).  The built-in no-op detector
measures the harness's own overhead beside them.

Magnitudes to expect with the defaults (seed 2026, 2 cores; measured):
  - generation ~12 ms a scan; the whole run (both detectors, accuracy and
    timing) about 70 s with a peak RSS of about 160 MB;
  - dual_energy: any-threat Pd 0.74 [0.71, 0.76], Pfa 0.07, AUC 0.91;
    firearm 0.99, knife 0.96, metal 0.93; cigarettes 0.57 and drugs 0.19
    under their own class; explosives and currency are found (when at all)
    as "drugs" or "cigarettes", so their own rows read 0: look at "any";
  - density: any-threat Pd 0.91, Pfa 0.64, AUC 0.79: it finds more, at
    nine times the false alarms;
  - `borderlab compare` on the two: McNemar p < 1e-16 for the any-threat
    Pd and Pfa differences, DeLong z about 15 for the AUC difference;
  - offline ~360 scans/s (dual_energy) and ~830 (density), single-stream
    p99 ~7 ms and ~3 ms, server target met; no-op overhead a few ns a scan.

Run:      borderlab run scenarios/xray_bench.lua
          borderlab run scenarios/xray_bench.lua --plugin detector=vendor_a.so -o a.h5
Knobs:    --set scans=20000 --set size=1024 --set prevalence=0.01
          --set clutter=0.8 --set occlusion=0.5 --seed 7 (see bl.parameters below);
          --set timing=false for accuracy only (no timing modes, no overhead rows)
]]
local P = bl.parameters {
    scans = 5000,      -- bags in the test set
    size = 512,        -- image width and height, pixels
    prevalence = 0.04, -- share of bags holding each threat class (independently)
    clutter = 0.5,     -- how full the bags are, 0..1
    occlusion = 0.2,   -- chance a threat is placed under dense clutter, 0..1
    threshold = 0.5,   -- alarm threshold for Pd, Pfa and McNemar
    timing = true,     -- the timing modes after accuracy (false: accuracy only)
}

local threats = {}
for _, name in ipairs { "firearm", "knife", "explosive", "drugs", "cigarettes", "currency",
    "metal" } do
    threats[name] = P.prevalence
end

local job = bl.detector_bench {
    seed = 2026,
    scans = P.scans,
    generator = bl.xray {
        width = P.size,
        height = P.size,
        subject = "bag",
        prevalence = threats,
        clutter = P.clutter,
        occlusion = P.occlusion,
        dual_energy = true,
    },
    detectors = { bl.plugin { "dual_energy" }, bl.plugin { "density" } },
    threshold = P.threshold,
    batch = 16,
    intervals = "wilson",
    performance = P.timing and {
        pool = 64,
        offline = { scans = 256, batch_sizes = { 1, 16 }, threads = { 1, 2 } },
        single_stream = { queries = 200 },
        server = { rate = 50, queries = 250, p99_bound = 0.1 },
    } or nil,
}
return job
