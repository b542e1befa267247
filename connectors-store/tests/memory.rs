//! `MemoryStore` against the store contract.

mod common;

use std::sync::Arc;

use connectors_store::MemoryStore;
use uuid::Uuid;

#[tokio::test]
async fn memory_store_honours_the_contract() {
    let store = Arc::new(MemoryStore::new());

    common::store_contract(store, [Uuid::new_v4(), Uuid::new_v4()]).await;
}

#[test]
fn debug_shows_counts_only() {
    assert_eq!(
        format!("{:?}", MemoryStore::new()),
        "MemoryStore { pending_authorizations: 0, credentials: 0 }"
    );
}
