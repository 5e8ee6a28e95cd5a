"""Shared pytest set-up: the notebooks are checked by nbval, not collected here."""

import matplotlib

# Unit tests draw off-screen. (Only the test process: kernels started by nbval
# or JupyterLab keep their own inline backend.)
matplotlib.use("Agg", force=True)

collect_ignore_glob = ["../_build/*", "../book/*"]
