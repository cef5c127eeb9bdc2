"""The synthetic county: register, monthly department feeds and their ground truth.

A plain library (no Django). ``generate(people=…, seed=…, out_dir=…)`` writes, all CSV
(UTF-8 with BOM, comma, CRLF, Chinese headers):

- ``orgunits.csv``: county, townships, villages, village groups (NBS codes);
- ``register.csv``: the legacy register export on the day before the first month
  (``people`` residents plus about 3 % inflow migrants);
- ``feeds/YYYY-MM/{police,birth_cert,marriage,pupil}.csv``: one month of department
  data, together about ``people / 10`` rows, 90 % about register people;
- ``truth/YYYY-MM/<kind>.csv``: per feed row (行号 1 = first data row) the register
  person it belongs to (个案编号, empty for nobody), the role (self, mother for births,
  husband or wife for marriages, none) and the noise applied (``newborn`` marks birth
  rows, ``near_id`` a stranger whose valid number is one digit from a register person's,
  ``near_id_twin`` a register twin whose sibling's number is one digit away);
- ``manifest.json``: arguments, counts and the row count of every file.

The same arguments give byte-identical files; it returns the :class:`Manifest`.
"""

from renkou.synth.generate import generate
from renkou.synth.manifest import Manifest

__all__ = ["Manifest", "generate"]
