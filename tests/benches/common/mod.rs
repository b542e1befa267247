//! What the benchmarks share: the encryption key and fresh PostgreSQL databases.

/// Base64 of 32 bytes: the key every benchmark's store uses.
pub(crate) const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// A new, empty PostgreSQL database at `TEST_DATABASE_URL`'s server; its URL. The
/// databases earlier runs left there go first.
pub(crate) async fn fresh_postgres() -> String {
    use sqlx::Connection as _;
    let admin = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let mut connection = sqlx::PgConnection::connect(&admin).await.unwrap();
    // The databases of earlier runs, unless one is in use (without `FORCE`, a database
    // someone is connected to stays): each run leaves its own behind for the next.
    let earlier: Vec<(String,)> =
        sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'")
            .fetch_all(&mut connection)
            .await
            .unwrap();
    for (earlier,) in earlier {
        let _in_use = sqlx::query(&format!("DROP DATABASE IF EXISTS {earlier}"))
            .execute(&mut connection)
            .await;
    }
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    url.to_string()
}
