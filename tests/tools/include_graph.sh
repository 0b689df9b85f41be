#!/bin/sh
# The folder-level include graph of core/: printed, and failing on a cycle,
# on a folder that includes what its README.md does not allow, on an
# *_internal.h used outside its folder, or on a plugin that includes more
# than the SDK (tests/tools/include_graph.py says how).
set -eu
exec "${PYTHON3:-python3}" "${top_srcdir:-.}/tests/tools/include_graph.py" "${top_srcdir:-.}"
