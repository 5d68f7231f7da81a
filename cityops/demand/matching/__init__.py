"""Supplier matching and duplicate-need detection for the demand list (brief §2): pure Python on
plain data, no Django.

- ``data``: the plain records (``NeedText``, ``SupplierCapability``, ``Qualification``) the
  demand app's models map to, with validation (``MatchingInputError``).
- ``text``: offline Chinese tokenisation (jieba precise mode + a domain dictionary + character
  bigrams).
- ``bm25``: a sparse BM25 index over supplier texts.
- ``rank``: ``rank_suppliers`` / ``rank_all``: suppliers ranked for a need with an explanation
  and the hard requirements (qualification, expiry, region, capacity).
- ``duplicates``: ``find_duplicates`` / ``group_duplicates``: the same need filed by different
  departments, and merge proposals for intensive (集约化) procurement.
- ``evaluate``: precision and recall against the hand-labelled set in ``demand/data``.
"""
