"""A sparse BM25 index over supplier texts (capabilities + tags + references), numpy only.

Okapi BM25 with the usual k1 = 1.2, b = 0.75 and the non-negative idf of Lucene::

    idf(t)       = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
    w(t, d)      = idf(t) · tf(t, d) · (k1 + 1) / (tf(t, d) + k1 · (1 − b + b · |d| / avgdl))
    score(q, d)  = Σ_t q(t) · w(t, d)

A query is a mapping term → weight ``q(t)`` (the need's title words count more than its
description: see rank.py). ``w`` is precomputed per posting, so a query costs the length of its
terms' posting lists. ``upper_bound(q)`` = Σ_t q(t) · idf(t) · (k1 + 1), the score of a document
that contains every query term very often and is short: ``score / upper_bound`` is in [0, 1) and
comparable across needs.

Layout: an inverted index in CSR form (``term_ptr``, ``post_docs``, ``post_weights``): the
postings of term ``t`` are ``post_*[term_ptr[t]:term_ptr[t + 1]]``. ``scores_batch`` scores a
block of queries against every document with one gather and one ``np.bincount`` (no Python loop
over documents or postings): the sparse product Q·W without scipy.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

K1 = 1.2
B = 0.75


class BM25Index:
    """BM25 over ``docs`` (each a list of tokens); documents are numbered in the given order."""

    def __init__(
        self,
        docs: Sequence[Sequence[str]],
        *,
        k1: float = K1,
        b: float = B,
        attrs: Sequence[Mapping[str, int]] | None = None,
    ):
        """``attrs``: optional per document, token -> small int (rank.py's bit mask of the
        supplier fields a token occurs in), returned by ``lookup`` for explanations."""
        self.k1 = k1
        self.b = b
        self.n_docs = len(docs)
        counts = [Counter(doc) for doc in docs]
        lengths = np.array([len(doc) for doc in docs], dtype=np.float64)
        self.avgdl = float(lengths.mean()) if len(docs) and lengths.sum() else 1.0
        vocab: dict[str, int] = {}
        for c in counts:
            for term in c:
                if term not in vocab:
                    vocab[term] = len(vocab)
        self.vocab = vocab
        n_post = sum(len(c) for c in counts)
        term_of = np.empty(n_post, dtype=np.int64)
        doc_of = np.empty(n_post, dtype=np.int32)
        tf = np.empty(n_post, dtype=np.float64)
        k = 0
        for d, c in enumerate(counts):
            n = len(c)
            term_of[k : k + n] = [vocab[t] for t in c]
            doc_of[k : k + n] = d
            tf[k : k + n] = list(c.values())
            k += n
        # doc-major copy, sorted by (doc, term): explanations look a (doc, term) pair up here
        self._n_terms = max(len(vocab), 1)
        keys = doc_of.astype(np.int64) * self._n_terms + term_of
        by_key = np.argsort(keys, kind="stable")
        self._keys = keys[by_key]
        attr = np.zeros(n_post, dtype=np.int16)
        if attrs is not None:
            k = 0
            for d, c in enumerate(counts):
                a = attrs[d]
                attr[k : k + len(c)] = [a.get(t, 0) for t in c]
                k += len(c)
        order = np.argsort(term_of, kind="stable")  # group postings by term, docs ascending
        term_of, doc_of, tf = term_of[order], doc_of[order], tf[order]
        df = np.bincount(term_of, minlength=len(vocab)).astype(np.float64)
        self.df = df.astype(np.int64)
        self.idf = np.log1p((self.n_docs - df + 0.5) / (df + 0.5))
        self.term_ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=self.term_ptr[1:])
        norm = k1 * (1 - b + b * lengths[doc_of] / self.avgdl)
        self.post_docs = doc_of
        self.post_weights = (self.idf[term_of] * tf * (k1 + 1) / (tf + norm)).astype(np.float32)
        # the same weights and attributes in doc-major order (order, then by_key)
        inverse = np.empty_like(order)
        inverse[order] = np.arange(n_post)
        self._key_weights = self.post_weights[inverse[by_key]]
        self._key_attrs = attr[by_key]

    # --- queries -------------------------------------------------------------------------------

    def resolve(self, query: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """The query as arrays: vocabulary ids (-1 for a term no document has) and weights."""
        get = self.vocab.get
        ids = np.fromiter((get(t, -1) for t in query), dtype=np.int64, count=len(query))
        weights = np.fromiter(query.values(), dtype=np.float64, count=len(query))
        return ids, weights

    def upper_bound(self, query: Mapping[str, float] | tuple[np.ndarray, np.ndarray]) -> float:
        """Σ q(t)·idf(t)·(k1+1) over the query's terms (terms the index lacks count too: a need
        asking for something no supplier offers should not look like a perfect match)."""
        ids, weights = self.resolve(query) if isinstance(query, Mapping) else query
        unseen = math.log1p((self.n_docs + 0.5) / 0.5) if self.n_docs else 0.0
        idf = np.where(ids >= 0, self.idf[np.maximum(ids, 0)] if len(self.idf) else 0.0, unseen)
        return float((weights * idf).sum() * (self.k1 + 1))

    def scores(self, query: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every document for one query (float64, length n_docs)."""
        return self.scores_batch([query])[0]

    def scores_batch(
        self, queries: Sequence[Mapping[str, float] | tuple[np.ndarray, np.ndarray]]
    ) -> np.ndarray:
        """BM25 scores of a block of queries (mappings, or ``resolve``d arrays) against every
        document: shape (len(queries), n_docs).

        Memory is about 8 bytes × len(queries) × n_docs plus the gathered postings: call it on
        blocks of a few hundred queries (rank.rank_all does)."""
        rows_l, ids_l, w_l = [], [], []
        for row, query in enumerate(queries):
            ids, weights = self.resolve(query) if isinstance(query, Mapping) else query
            known = (ids >= 0) & (weights > 0)
            rows_l.append(np.full(int(known.sum()), row, dtype=np.int64))
            ids_l.append(ids[known])
            w_l.append(weights[known])
        n_rows, n_docs = len(queries), self.n_docs
        if not n_rows or not n_docs:
            return np.zeros((n_rows, n_docs))
        rows = np.concatenate(rows_l)
        ids = np.concatenate(ids_l)
        qw = np.concatenate(w_l)
        starts = self.term_ptr[ids]
        lens = self.term_ptr[ids + 1] - starts
        total = int(lens.sum())
        if total == 0:
            return np.zeros((n_rows, n_docs))
        # position of every gathered posting: start of its term + its offset within the term
        ends = np.cumsum(lens)
        offsets = np.arange(total, dtype=np.int64) - np.repeat(ends - lens - starts, lens)
        docs = self.post_docs[offsets]
        weights = self.post_weights[offsets] * np.repeat(qw, lens)
        flat = np.repeat(rows * n_docs, lens) + docs
        return np.bincount(flat, weights=weights, minlength=n_rows * n_docs).reshape(
            n_rows, n_docs
        )

    def term_ids(self, terms: Sequence[str]) -> np.ndarray:
        """Vocabulary ids of ``terms`` (-1 for a term the index lacks)."""
        return np.array([self.vocab.get(t, -1) for t in terms], dtype=np.int64)

    def lookup(self, docs: np.ndarray, term_ids: np.ndarray):
        """Vectorised (doc, term) look-up: (found, w(term, doc), attrs) arrays, one per pair."""
        docs = np.asarray(docs, dtype=np.int64)
        term_ids = np.asarray(term_ids, dtype=np.int64)
        keys = docs * self._n_terms + term_ids
        pos = np.searchsorted(self._keys, keys)
        pos_c = np.minimum(pos, max(len(self._keys) - 1, 0))
        if not len(self._keys):
            empty = np.zeros(len(keys))
            return empty.astype(bool), empty, empty.astype(np.int16)
        found = (term_ids >= 0) & (self._keys[pos_c] == keys)
        weights = np.where(found, self._key_weights[pos_c], 0.0)
        attrs = np.where(found, self._key_attrs[pos_c], 0)
        return found, weights, attrs

    def doc_term_weight(self, term: str, doc: int) -> float:
        """w(term, doc), 0 when the document lacks the term (for explanations)."""
        t = self.vocab.get(term)
        if t is None:
            return 0.0
        lo, hi = self.term_ptr[t], self.term_ptr[t + 1]
        postings = self.post_docs[lo:hi]
        i = int(np.searchsorted(postings, doc))
        if i < len(postings) and postings[i] == doc:
            return float(self.post_weights[lo + i])
        return 0.0
