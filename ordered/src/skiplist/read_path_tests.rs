//! The read path (`find_equal`) against a state only a race produces: a node whose removal
//! is linearized (its level-0 link is marked) but which is still linked, because its remover
//! has not unlinked it yet. The concurrent suites reach that state only in a narrow window;
//! here it is built directly, for both schemes (DEBRA steps over the node, IBR unlinks it
//! first), and the removal is then finished as its remover would.

use ccol_reclaim::Reclaim;

use super::{SkipListMap, list::Found, node, removal::Unlink};
use crate::comparator::Natural;
use ccol_arch::config::Config;

/// Keys 1..=5 present; key 3 removed (marked at every level) but still linked.
fn a_removed_but_linked_node_is_absent_to_get<R: Reclaim>() {
    // A map, not a bare list: its drop frees the linked nodes.
    let mut map = SkipListMap::<u64, u64, Natural, R>::with_comparator_and_config(Natural, &Config::DEFAULT);
    map.extend((1..=5).map(|key| (key, key * 10)));
    let list = &map.list;
    let guard = list.domain.pin();
    let probe = |wanted: u64| move |k: &u64| k.cmp(&wanted);
    let Found::Present(victim) = list.find_equal(&probe(3), &guard) else {
        panic!("key 3 was inserted");
    };
    let done = list.mark(victim, &guard).expect("nobody else removes key 3");
    // The node is still linked at every level: a walk meets it.
    for key in [1, 2, 4, 5] {
        match list.find_equal(&probe(key), &guard) {
            // SAFETY: a node found under the guard is live.
            Found::Present(node) => assert_eq!(unsafe { node::entry(node) }.value, key * 10),
            Found::Absent => panic!("key {key} is present"),
        }
    }
    assert!(
        matches!(list.find_equal(&probe(3), &guard), Found::Absent),
        "a node whose level-0 link is marked is removed: get must not answer it"
    );
    list.finish_removal(victim, done, Unlink::Search, &guard, &list.order());
    assert!(matches!(list.find_equal(&probe(3), &guard), Found::Absent));
}

#[cfg(feature = "debra")]
#[test]
fn debra_get_steps_over_a_removed_but_linked_node() {
    a_removed_but_linked_node_is_absent_to_get::<ccol_reclaim::Debra>();
}

#[cfg(feature = "ibr")]
#[test]
fn ibr_get_answers_absent_for_a_removed_but_linked_node() {
    a_removed_but_linked_node_is_absent_to_get::<ccol_reclaim::Ibr>();
}
