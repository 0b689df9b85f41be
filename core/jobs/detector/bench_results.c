/* The results of a detector_bench run: see bench_results.h. */
#include "jobs/detector/bench_results.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hdf5.h>

#include "io/scan_io.h"
#include "jobs/detector/detector_bench.h"
#include "results/writer.h"
#include "stats/inference.h"

#define LEVEL 0.95
#define AP_IOU 0.5

/* ------------------------------------------------------------------ metrics */

static bl_interval_t proportion(uint64_t k, uint64_t n, bool clopper_pearson) {
    if (n == 0) {
        bl_interval_t none = {NAN, NAN, NAN, NAN};
        return none;
    }
    return clopper_pearson ? bl_clopper_pearson_interval(k, n, LEVEL)
                           : bl_wilson_interval(k, n, LEVEL);
}

/* Pd at the highest-Pd threshold whose Pfa <= max_pfa, and its interval. */
static void pd_at(const bl_roc_point_t *roc, size_t n_roc, double max_pfa, const double *pos,
                  size_t n_pos, bool cp, double *pd, double *low, double *high) {
    double threshold = INFINITY;
    bl_pd_at_pfa(roc, n_roc, max_pfa, &threshold);
    uint64_t k = 0;
    for (size_t i = 0; i < n_pos; i++)
        k += pos[i] >= threshold;
    bl_interval_t iv = proportion(k, n_pos, cp);
    *pd = iv.estimate;
    *low = iv.low;
    *high = iv.high;
}

static int one_class(const bl_bench_result_t *res, const bl_bench_detector_t *det, uint32_t c,
                     double threshold, bool cp, const bl_box_item_t *dets, size_t n_dets,
                     const bl_box_item_t *truth, size_t n_truth, double *scores, uint8_t *labels,
                     double *pos, double *neg, bl_bench_metrics_t *m) {
    size_t n_pos = 0, n_neg = 0, n_scored = 0;
    uint64_t pos_alarm = 0, neg_alarm = 0, pos_failed = 0, neg_failed = 0;
    for (uint64_t i = 0; i < res->n_scans; i++) {
        double s = det->scores[i * BL_THREAT_CLASS_COUNT + c];
        bool positive = bl_scan_truth_has(&res->truth[i], c);
        if (det->failed != NULL && det->failed[i]) { /* no outcome: kept out, counted apart */
            pos_failed += positive;
            neg_failed += !positive;
            continue;
        }
        scores[n_scored] = s;
        labels[n_scored++] = positive;
        if (positive) {
            pos[n_pos++] = s;
            pos_alarm += s >= threshold;
        } else {
            neg[n_neg++] = s;
            neg_alarm += s >= threshold;
        }
    }
    if (c != 0 && n_pos + pos_failed == 0)
        return 0;
    size_t r = m->n_rows;
    bl_bench_metric_row_t *row = &m->rows[r];
    memset(row, 0, sizeof *row);
    snprintf(row->class, sizeof row->class, "%s", bl_bench_class_name(c));
    row->positives = n_pos + pos_failed;
    row->negatives = n_neg + neg_failed;
    row->failed_positives = pos_failed;
    row->failed_negatives = neg_failed;
    row->threshold = threshold;
    bl_interval_t pd = proportion(pos_alarm, n_pos, cp), pfa = proportion(neg_alarm, n_neg, cp);
    row->pd = pd.estimate;
    row->pd_low = pd.low;
    row->pd_high = pd.high;
    row->pfa = pfa.estimate;
    row->pfa_low = pfa.low;
    row->pfa_high = pfa.high;
    /* Operationally a scan the detector could not process is an alarm. */
    bl_interval_t pd_op = proportion(pos_alarm + pos_failed, n_pos + pos_failed, cp);
    bl_interval_t pfa_op = proportion(neg_alarm + neg_failed, n_neg + neg_failed, cp);
    row->pd_operational = pd_op.estimate;
    row->pd_operational_low = pd_op.low;
    row->pd_operational_high = pd_op.high;
    row->pfa_operational = pfa_op.estimate;
    row->pfa_operational_low = pfa_op.low;
    row->pfa_operational_high = pfa_op.high;
    if (bl_roc(scores, labels, n_scored, &m->rocs[r], &m->n_roc[r]) != 0)
        return BL_ENOMEM;
    m->n_rows++;
    double variance = NAN;
    bl_interval_t auc = n_pos > 0 && n_neg > 0
                            ? bl_auc_delong(pos, n_pos, neg, n_neg, LEVEL, &variance)
                            : (bl_interval_t){NAN, NAN, NAN, NAN};
    row->auc = auc.estimate;
    row->auc_low = auc.low;
    row->auc_high = auc.high;
    pd_at(m->rocs[r], m->n_roc[r], 0.01, pos, n_pos, cp, &row->pd_at_pfa1, &row->pd_at_pfa1_low,
          &row->pd_at_pfa1_high);
    pd_at(m->rocs[r], m->n_roc[r], 0.05, pos, n_pos, cp, &row->pd_at_pfa5, &row->pd_at_pfa5_low,
          &row->pd_at_pfa5_high);
    row->ap50 = c == 0 ? NAN : bl_average_precision(dets, n_dets, truth, n_truth, c, AP_IOU);
    return 0;
}

int bl_bench_metrics_compute(const bl_bench_result_t *res, size_t d, double threshold,
                             bool clopper_pearson, bl_bench_metrics_t *m, bl_error_t *err) {
    memset(m, 0, sizeof *m);
    const bl_bench_detector_t *det = &res->detectors[d];
    size_t n = (size_t)res->n_scans, n_truth = 0;
    for (size_t i = 0; i < n; i++)
        n_truth += res->truth[i].n;
    double *scores = malloc((n ? n : 1) * sizeof *scores);
    double *pos = malloc((n ? n : 1) * sizeof *pos);
    double *neg = malloc((n ? n : 1) * sizeof *neg);
    uint8_t *labels = malloc(n ? n : 1);
    bl_box_item_t *dets = calloc(det->n_detections ? det->n_detections : 1, sizeof *dets);
    bl_box_item_t *truth = calloc(n_truth ? n_truth : 1, sizeof *truth);
    int rc = 0;
    if (scores == NULL || pos == NULL || neg == NULL || labels == NULL || dets == NULL ||
        truth == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < det->n_detections; i++) {
        const bl_bench_detection_row_t *r = &det->detections[i];
        dets[i] = (bl_box_item_t){r->scan, r->threat, r->confidence, {r->x0, r->y0, r->x1, r->y1}};
    }
    n_truth = 0;
    for (size_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < res->truth[i].n && k < BL_SCAN_MAX_OBJECTS; k++) {
            bl_box_item_t *t = &truth[n_truth++];
            t->image = (uint32_t)i;
            t->threat = res->truth[i].objects[k].threat;
            memcpy(t->box, res->truth[i].objects[k].box, sizeof t->box);
        }
    for (uint32_t c = 0; c < BL_THREAT_CLASS_COUNT && rc == 0; c++)
        rc = one_class(res, det, c, threshold, clopper_pearson, dets, det->n_detections, truth,
                       n_truth, scores, labels, pos, neg, m);
out:
    free(scores);
    free(pos);
    free(neg);
    free(labels);
    free(dets);
    free(truth);
    if (rc != 0) {
        bl_bench_metrics_fini(m);
        return bl_error_set(err, BL_ENOMEM, "out of memory for the metrics of %s", det->label);
    }
    return 0;
}

void bl_bench_metrics_fini(bl_bench_metrics_t *m) {
    for (size_t i = 0; i < BL_THREAT_CLASS_COUNT; i++)
        free(m->rocs[i]);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ writing */

static int write_set_tables(bl_results_writer_t *w, const bl_bench_result_t *res, bl_error_t *err) {
    size_t n = (size_t)res->n_scans, n_truth = 0;
    for (size_t i = 0; i < n; i++)
        n_truth += res->truth[i].n;
    bl_bench_scan_row_t *scans = calloc(n ? n : 1, sizeof *scans);
    bl_bench_truth_row_t *truth = calloc(n_truth ? n_truth : 1, sizeof *truth);
    int rc;
    if (scans == NULL || truth == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    n_truth = 0;
    for (size_t i = 0; i < n; i++) {
        const bl_scan_truth_t *t = &res->truth[i];
        scans[i].scan = (uint32_t)i;
        scans[i].objects = t->n;
        for (uint32_t k = 0; k < t->n && k < BL_SCAN_MAX_OBJECTS; k++) {
            uint32_t c = t->objects[k].threat;
            if (c < 32)
                scans[i].truth_mask |= 1u << c;
            const float *b = t->objects[k].box;
            truth[n_truth++] = (bl_bench_truth_row_t){(uint32_t)i, c, b[0], b[1], b[2], b[3]};
        }
    }
    rc = bl_results_write_table_at(w, &bl_bench_scans_table, NULL, n, scans, err);
    if (rc == 0)
        rc = bl_results_write_table_at(w, &bl_bench_truth_table, NULL, n_truth, truth, err);
out:
    free(scans);
    free(truth);
    return rc;
}

/* The detector's identity and counts on its group. */
static int group_attributes(bl_results_writer_t *w, const char *group,
                            const bl_bench_detector_t *det, bl_error_t *err) {
    int rc = bl_results_write_plugin_group(w, group, &det->handle, det->ref, err);
    if (rc == 0)
        rc = bl_results_set_u64_at(w, group, "invalid_outputs", det->invalid_outputs, err);
    if (rc == 0)
        rc = bl_results_set_u64_at(w, group, "calls", det->calls, err);
    if (rc == 0) /* scans it failed to process (or skipped) in accuracy mode */
        rc = bl_results_set_u64_at(w, group, "failures", det->failures, err);
    return rc;
}

/* An empty group whose links remember their creation order, so readers
 * list the detectors in scenario order. */
static int write_detector(bl_results_writer_t *w, const bl_bench_result_t *res, size_t d,
                          bl_error_t *err) {
    const bl_detector_bench_t *b = bl_detector_bench_of(res->scenario);
    const bl_bench_detector_t *det = &res->detectors[d];
    char group[256];
    snprintf(group, sizeof group, "%s/%s", BL_BENCH_DETECTORS_GROUP, det->label);
    for (char *p = group + strlen(BL_BENCH_DETECTORS_GROUP) + 1; *p; p++)
        if (*p == '/')
            *p = '_';
    size_t n = (size_t)res->n_scans;
    bl_bench_metrics_t m;
    memset(&m, 0, sizeof m);
    bl_bench_score_row_t *scores = calloc(n ? n : 1, sizeof *scores);
    int rc;
    if (scores == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const double *s = &det->scores[i * BL_THREAT_CLASS_COUNT];
        scores[i] = (bl_bench_score_row_t){(uint32_t)i,
                                           s[0],
                                           s[1],
                                           s[2],
                                           s[3],
                                           s[4],
                                           s[5],
                                           s[6],
                                           s[7],
                                           det->invalid[i],
                                           det->failed != NULL ? det->failed[i] : 0};
    }
    rc = bl_bench_metrics_compute(res, d, b->threshold, b->clopper_pearson, &m, err);
    if (rc == 0)
        rc = bl_results_write_table_in(w, &bl_bench_scores_table, group, NULL, n, scores, err);
    if (rc == 0)
        rc = group_attributes(w, group, det, err);
    if (rc == 0)
        rc = bl_results_write_table_in(w, &bl_bench_detections_table, group, NULL,
                                       det->n_detections, det->detections, err);
    if (rc == 0)
        rc = bl_results_write_table_in(w, &bl_bench_metrics_table, group, NULL, m.n_rows, m.rows,
                                       err);
    for (size_t r = 0; r < m.n_rows && rc == 0; r++) {
        char name[40];
        snprintf(name, sizeof name, "roc/%s", m.rows[r].class);
        rc = bl_results_write_table_in(w, &bl_bench_roc_table, group, name, m.n_roc[r], m.rocs[r],
                                       err);
    }
    if (rc == 0 && det->n_offline > 0)
        rc = bl_results_write_table_in(w, &bl_bench_offline_table, group, NULL, det->n_offline,
                                       det->offline, err);
    if (rc == 0 && det->has_single)
        rc = bl_results_write_table_in(w, &bl_bench_single_stream_table, group, NULL, 1,
                                       &det->single, err);
    if (rc == 0 && det->has_server)
        rc =
            bl_results_write_table_in(w, &bl_bench_server_table, group, NULL, 1, &det->server, err);
out:
    bl_bench_metrics_fini(&m);
    free(scores);
    return rc;
}

/* The generator settings and seed as JSON (heap), for /detector/set. */
static char *generator_json(const bl_detector_bench_t *b, uint64_t seed) {
    const bl_xray_config_t *c = &b->xray;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    char digits[24];
    snprintf(digits, sizeof digits, "%" PRIu64, seed);
    cJSON_AddItemToObject(o, "seed", cJSON_CreateRaw(digits));
    cJSON_AddNumberToObject(o, "width", c->width);
    cJSON_AddNumberToObject(o, "height", c->height);
    cJSON_AddNumberToObject(o, "pixel_mm", c->pixel_mm);
    cJSON_AddStringToObject(o, "subject", c->subject == BL_SUBJECT_CONTAINER ? "container" : "bag");
    cJSON *prev = cJSON_AddObjectToObject(o, "prevalence");
    for (uint32_t k = 1; k < BL_THREAT_CLASS_COUNT; k++)
        cJSON_AddNumberToObject(prev, bl_bench_class_name(k), c->prevalence[k]);
    cJSON_AddNumberToObject(o, "clutter", c->clutter);
    cJSON_AddNumberToObject(o, "occlusion", c->occlusion);
    cJSON_AddNumberToObject(o, "object_scale", c->object_scale);
    cJSON_AddNumberToObject(o, "photons", c->photons);
    cJSON_AddNumberToObject(o, "blur_px", c->blur_px);
    cJSON_AddBoolToObject(o, "dual_energy", c->dual_energy);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* /detector/set: the scans again, by index, written one at a time. */
static int write_scan_set(bl_results_writer_t *w, const bl_bench_result_t *res, bl_error_t *err) {
    const bl_scenario_t *sc = res->scenario;
    bl_bench_source_t *src = NULL;
    bl_scan_writer_t *sw = NULL;
    bl_scan_buffer_t buf;
    memset(&buf, 0, sizeof buf);
    char *gen = bl_detector_bench_of(sc)->replay_folder
                    ? NULL
                    : generator_json(bl_detector_bench_of(sc), sc->seed);
    int rc = bl_bench_source_open(&src, bl_detector_bench_of(sc), sc->seed, err);
    for (uint64_t i = 0; rc == 0 && i < res->n_scans; i++) {
        bl_scan_t scan;
        bl_scan_truth_t truth;
        rc = bl_bench_source_scan(src, i, &buf, &scan, &truth, err);
        if (rc == 0 && sw == NULL)
            rc = bl_scan_writer_open(&sw, bl_results_file(w), "/detector/set", scan.width,
                                     scan.height, scan.energies, scan.pixel_mm, gen, err);
        if (rc == 0)
            rc = bl_scan_writer_append(sw, &scan, &truth, err);
    }
    if (sw != NULL) {
        int rc2 = bl_scan_writer_close(sw, err);
        if (rc == 0)
            rc = rc2;
    }
    if (buf.low != NULL || buf.high != NULL || buf.scratch != NULL)
        bl_scan_buffer_fini(&buf);
    bl_bench_source_close(src);
    free(gen);
    return rc;
}

int bl_bench_results_write(bl_results_writer_t *w, const bl_run_t *run,
                           const bl_bench_result_t *res, bl_error_t *err) {
    if (res == NULL || res->scenario == NULL || bl_detector_bench_of(res->scenario) == NULL)
        return bl_error_set(err, BL_EINVAL, "results: no detector_bench results to write");
    const bl_detector_bench_t *b = bl_detector_bench_of(res->scenario);
    size_t nd = res->n_detectors;
    /* Root attributes plugin_detector_id for the first, plugin_detector2_id... after. */
    bl_results_plugin_t *plugins = calloc(nd ? nd : 1, sizeof *plugins);
    if (plugins == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t d = 0; d < nd; d++)
        plugins[d] = (bl_results_plugin_t){
            "detector",
            NULL,
            &res->detectors[d].handle,
            res->detectors[d].calls,
            res->detectors[d].invalid_outputs,
            res->detectors[d].not_deterministic[0] ? res->detectors[d].not_deterministic : NULL};
    int rc = bl_results_write_root(w, run, "detector_bench", plugins, nd, err);
    free(plugins);
    if (rc == 0)
        rc = bl_results_set_root_text(w, "scan_set_sha256", res->scan_set_sha256, err);
    if (rc == 0)
        rc = bl_results_set_root_u64(w, "scans", res->n_scans, err);
    if (rc == 0)
        rc = bl_results_set_root_double(w, "threshold", b->threshold, err);
    if (rc == 0)
        rc = bl_results_set_root_text(w, "interval_method",
                                      b->clopper_pearson ? "clopper-pearson" : "wilson", err);
    if (rc == 0)
        rc = write_set_tables(w, res, err);
    if (rc == 0)
        rc = bl_results_make_group(w, BL_BENCH_DETECTORS_GROUP, true, err);
    for (size_t d = 0; d < nd && rc == 0; d++)
        rc = write_detector(w, res, d, err);
    if (rc == 0)
        rc = bl_results_write_table_at(w, &bl_bench_overhead_table, NULL, res->n_overhead,
                                       res->overhead, err);
    if (rc == 0 && b->save_scans)
        rc = write_scan_set(w, res, err);
    if (rc == 0)
        bl_results_mark_complete(w);
    return rc;
}
