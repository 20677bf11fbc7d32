"""Importing spreadsheets and other CRMs' exports: one engine for the CLI, REST and the
upload wizard.

Public API (each documented where it lives):

- ``readers.open_table(path, sheet=None) -> Table``: CSV/XLSX/XLS with encoding, separator,
  header, merged two-row header and sheet detection; ``Table.rows()`` streams.
- ``targets.import_types()`` / ``import_type(key)``: customer, contact, follow_up, order,
  ticket, referral (links between existing records, written by
  ``referral_links.ReferralWriter``) and the fields (targets) each can fill.
- ``mapping.suggest_mapping(type, headers, sample) -> Mapping``; ``Mapping.from_dict`` /
  ``as_dict``; ``save_mapping`` / ``load_mapping`` / ``list_mappings`` (named mappings).
- ``engine.Importer`` (store, cipher, actor, scope, region), ``engine.ImportOptions``
  (on_duplicate, per-line decisions, sheet, create_tags, batch_size);
  ``engine.preview(...) -> Preview``, ``engine.run_import(...) -> ImportRecord``,
  ``engine.resume_import(...)``.
- ``undo.undo_import(store, cipher, import_id, actor=...) -> UndoReport``.
- ``records.get(store, import_id) -> ImportRecord`` (state, cursor, counts);
  ``records.ImportBusy`` when a file is already being imported.
- ``error_rows.error_file(work_dir, import_id, headers, fmt, say)``: the failing rows with
  an error column, as CSV or XLSX bytes.
"""
