"""The hash chain on its own, without a database."""

import copy

from cityops.core.audit import GENESIS_HASH, entry_hash, verify_entries


def make_chain(n):
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        fields = {
            "seq": seq, "created_at": f"2026-11-24T10:00:{seq:02d}+00:00", "actor_id": 7,
            "actor_username": "alice", "actor_role": "platform_admin", "action": "update",
            "object_type": "core.organisation", "object_id": str(seq), "object_repr": f"org {seq}",
            "before": {"name": f"旧{seq}"}, "after": {"name": f"新{seq}"}, "prev_hash": prev,
        }
        fields["hash"] = entry_hash(fields)
        prev = fields["hash"]
        entries.append(fields)
    return entries


def head_of(entries):
    return (entries[-1]["seq"], entries[-1]["hash"])


def test_intact_chain_verifies():
    chain = make_chain(5)
    report = verify_entries(chain, head=head_of(chain))
    assert report.ok and report.checked == 5


def test_edited_field_is_named_by_its_entry():
    chain = make_chain(5)
    tampered = copy.deepcopy(chain)
    tampered[2]["after"] = {"name": "改过"}
    report = verify_entries(tampered, head=head_of(chain))
    assert (report.first_break.seq, report.first_break.reason) == (3, "hash")


def test_edit_with_recomputed_hash_breaks_the_next_link():
    chain = make_chain(5)
    tampered = copy.deepcopy(chain)
    tampered[1]["actor_username"] = "mallory"
    tampered[1]["hash"] = entry_hash(tampered[1])  # the forger recomputes this entry's hash
    report = verify_entries(tampered, head=head_of(chain))
    assert (report.first_break.seq, report.first_break.reason) == (3, "prev_hash")


def test_deleted_entry_leaves_a_gap():
    chain = make_chain(5)
    report = verify_entries(chain[:2] + chain[3:], head=head_of(chain))
    assert (report.first_break.seq, report.first_break.reason) == (3, "gap")


def test_truncated_tail_no_longer_matches_the_head():
    chain = make_chain(5)
    report = verify_entries(chain[:3], head=head_of(chain))
    assert report.first_break.reason == "head"
    assert report.first_break.seq == 4


def test_empty_chain_with_empty_head_is_ok():
    assert verify_entries([], head=(0, GENESIS_HASH)).ok


def test_hash_depends_on_every_field():
    base = make_chain(1)[0]
    for name, value in [("seq", 2), ("action", "delete"), ("object_id", "x"),
                        ("before", None), ("prev_hash", "f" * 64), ("actor_id", 8)]:
        changed = dict(base, **{name: value})
        assert entry_hash(changed) != base["hash"], name
