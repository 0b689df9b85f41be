/*
 * Test fixture: a well-formed shared object that exports a function, but not
 * bl_plugin_entry.  The loader must refuse it at step 3.
 */
#include "borderlab/plugin.h"

BL_PLUGIN_EXPORT int borderlab_fixture_not_an_entry(int x);

BL_PLUGIN_EXPORT int borderlab_fixture_not_an_entry(int x) { return x + 1; }
