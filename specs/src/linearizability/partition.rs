//! Per-key checking: splitting a history by key, and merging per-key linearizations back into
//! one order of the whole history.
//!
//! The merge is the constructive half of Herlihy & Wing's locality theorem: the per-key orders
//! together with the real-time order form an acyclic relation, so a topological sort exists.
//! It is built greedily: repeatedly take the head of some key's order that no unplaced
//! operation precedes in real time.

use std::collections::{BTreeMap, BTreeSet};

use crate::{
    history::{History, OpId},
    model::Partitioned,
};

/// One key's sub-history, with the original id of each of its operations.
pub(super) type Part<M> = (<M as Partitioned>::Key, History<M>, Vec<OpId>);

/// Splits `history` by key; `None` if some operation spans keys.
pub(super) fn split<M: Partitioned>(history: &History<M>) -> Option<Vec<Part<M>>> {
    let mut parts: BTreeMap<M::Key, (History<M>, Vec<OpId>)> = BTreeMap::new();
    for (id, op) in history.ops().iter().enumerate() {
        let key = M::partition(op.op())?;
        let (sub, ids) = parts.entry(key).or_default();
        match (op.returned(), op.ret()) {
            (Some(at), Some(ret)) => {
                sub.push_complete(op.thread(), op.invoked(), at, op.op().clone(), ret.clone())
            }
            _ => sub.push_pending(op.thread(), op.invoked(), op.op().clone()),
        };
        ids.push(id);
    }
    Some(
        parts
            .into_iter()
            .map(|(k, (sub, ids))| (k, sub, ids))
            .collect(),
    )
}

/// Merges per-key orders (of original ids) into one order that respects every per-key order
/// and real time.
pub(super) fn merge<M: Partitioned>(history: &History<M>, orders: Vec<Vec<OpId>>) -> Vec<OpId> {
    let ops = history.ops();
    // Response times of the unplaced completed operations; the smallest bounds which heads
    // may go next.
    let mut open: BTreeSet<(u64, OpId)> = orders
        .iter()
        .flatten()
        .filter_map(|&id| ops[id].returned().map(|r| (r, id)))
        .collect();
    let mut heads = vec![0usize; orders.len()];
    let total: usize = orders.iter().map(Vec::len).sum();
    let mut merged = Vec::with_capacity(total);
    while merged.len() < total {
        // The earliest response among unplaced operations other than `id`.
        let earliest_other = |id: OpId| open.iter().find(|&&(_, o)| o != id).map(|&(r, _)| r);
        let ready = |k: usize| {
            let id = orders[k][heads[k]];
            earliest_other(id).is_none_or(|r| ops[id].invoked() <= r)
        };
        let live = (0..orders.len()).filter(|&k| heads[k] < orders[k].len());
        // A ready head always exists for valid per-key orders (locality); should that ever
        // fail, taking the earliest invoked head keeps the result a permutation, and
        // `Linearization::validate` (run by the self-tests) would flag it.
        let pick = live
            .clone()
            .find(|&k| ready(k))
            .or_else(|| live.min_by_key(|&k| ops[orders[k][heads[k]]].invoked()))
            .unwrap_or_default();
        let id = orders[pick][heads[pick]];
        heads[pick] += 1;
        if let Some(r) = ops[id].returned() {
            open.remove(&(r, id));
        }
        merged.push(id);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        linearizability::Linearization,
        model::{SetModel, SetOp, SetRet},
    };

    type S = SetModel<u8>;

    #[test]
    fn split_groups_by_key_and_refuses_spanning_ops() {
        let mut h = History::<S>::new();
        h.push_complete(0, 0, 1, SetOp::Insert(1), SetRet::Bool(true));
        h.push_complete(1, 0, 1, SetOp::Insert(2), SetRet::Bool(true));
        h.push_pending(0, 2, SetOp::Remove(1));
        let parts = split(&h).expect("all point operations");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].2, [0, 2]);
        assert!(parts[0].1.ops()[1].is_pending());
        h.push_complete(1, 3, 4, SetOp::Len, SetRet::Len(1));
        assert!(split(&h).is_none());
    }

    #[test]
    fn merge_respects_real_time_across_keys() {
        // Key 1: #0 then #2; key 2: #1. #1 returned before #2 was invoked, and #0 before #1.
        let mut h = History::<S>::new();
        h.push_complete(0, 0, 1, SetOp::Insert(1), SetRet::Bool(true));
        h.push_complete(1, 2, 3, SetOp::Insert(2), SetRet::Bool(true));
        h.push_complete(0, 4, 5, SetOp::Contains(1), SetRet::Bool(true));
        let merged = merge(&h, vec![vec![0, 2], vec![1]]);
        assert_eq!(merged, [0, 1, 2]);
        let witness = Linearization { order: merged };
        assert_eq!(witness.validate(&h, &SetModel::new()), Ok(()));
    }
}
