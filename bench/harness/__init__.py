"""What the benchmarks share.

- ``workspace``: a size's data folder, its embedded graph server, and the deterministic
  dataset (``graph.demo.dataset``, seed 7) loaded into it and into the SQLite baseline;
- ``apps``: GraphCRM's and the stock FAB app's meters, the admin login, our app per engine;
- ``timing``: probes, samples, medians and p95s, interleaved rounds;
- ``output``: printing, table cells, the machine line of a report and waiting for a quiet
  enough machine (``--max-load``).
"""
