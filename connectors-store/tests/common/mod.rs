//! Shared by the test binaries; each uses its own part of it.
#![allow(dead_code, unused_imports, unused_macros)]

pub(crate) mod contract;
pub(crate) mod refresh_contract;
pub(crate) mod sql_store_tests;

pub(crate) use contract::{
    assert_same_credentials, oauth_credentials, purge_plainly, seconds_from_now, smtp_credentials,
    store_contract, LEASE,
};
pub(crate) use sql_store_tests::sql_store_tests;
