//! The catalog through its public API: schemas, OpenAI form, validation, resolution.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};
use voice_tools::{Binding, CallBody, Catalog, Error, HttpMethod, Tool};

const KEYS: [&str; 4] = ["google_calendar", "gmail", "slack", "smtp"];

fn catalog() -> Catalog {
    Catalog::new(KEYS)
}

fn problems(result: Result<voice_tools::ValidatedCall, Error>) -> Vec<(String, String)> {
    match result {
        Err(Error::InvalidArguments { problems, .. }) => problems
            .into_iter()
            .map(|problem| (problem.field, problem.message))
            .collect(),
        other => panic!("expected invalid arguments, got {other:?}"),
    }
}

fn fields(result: Result<voice_tools::ValidatedCall, Error>) -> Vec<String> {
    problems(result)
        .into_iter()
        .map(|(field, _)| field)
        .collect()
}

/// Every key anywhere in a schema, with its path.
fn keywords(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                found.push(format!("{path}/{key}"));
                keywords(child, &format!("{path}/{key}"), found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keywords(item, path, found)),
        _ => {}
    }
}

#[test]
fn the_catalog_holds_the_built_in_tools_in_order() {
    let catalog = catalog();
    let names: Vec<&str> = catalog.listing().iter().map(|tool| tool.name()).collect();

    assert_eq!(
        names,
        [
            "list_connectors",
            "activate_connector",
            "revoke_connector",
            "list_events",
            "create_project",
            "list_projects",
            "upload_file",
            "list_slack_channels",
            "read_slack_channel",
            "post_slack_message",
            "list_gmail_messages",
            "send_email",
            "list_minio_objects",
            "put_file_in_minio",
            "search_notion_pages",
            "create_notion_page",
            "send_sms",
            "list_sms",
            "list_calendly_events",
            "list_calendly_event_types",
            "list_hostinger_domains",
            "list_hostinger_subscriptions"
        ]
    );
}

#[test]
fn every_tool_and_every_property_has_a_description() {
    for tool in catalog().listing() {
        assert!(tool.description().len() > 20, "{}", tool.name());
        let properties = tool.parameters()["properties"].as_object().unwrap();
        for (name, property) in properties {
            let description = property["description"].as_str().unwrap_or_default();
            assert!(
                description.len() > 10,
                "{}.{name} has no description",
                tool.name()
            );
            assert!(
                !description.contains('\n'),
                "{}.{name} is wrapped",
                tool.name()
            );
        }
    }
}

#[test]
fn the_openai_form_is_clean() {
    for tool in catalog().to_openai_tools() {
        let name = tool["name"].as_str().unwrap().to_owned();
        assert_eq!(tool["type"], "function", "{name}");
        assert!(tool["description"].is_string(), "{name}");
        let parameters = &tool["parameters"];
        assert_eq!(parameters["type"], "object", "{name}");
        assert_eq!(parameters["additionalProperties"], false, "{name}");
        assert!(parameters["properties"].is_object(), "{name}");
        assert!(parameters.get("description").is_none(), "{name}");
        assert_eq!(tool.as_object().unwrap().len(), 4, "{name}");

        let mut found = Vec::new();
        keywords(parameters, "", &mut found);
        for path in found {
            let keyword = path.rsplit('/').next().unwrap();
            let in_properties = path.ends_with(&format!("properties/{keyword}"));
            assert!(
                in_properties
                    || !matches!(
                        keyword,
                        "$schema" | "title" | "$defs" | "definitions" | "$ref" | "format"
                    ) && !keyword.starts_with("x-"),
                "{name}: {path}"
            );
        }
    }
}

#[test]
fn optional_arguments_are_plain_types_in_the_openai_form() {
    let catalog = catalog();
    let events = catalog.get("list_events").unwrap();

    assert_eq!(
        events.parameters()["properties"]["limit"],
        json!({
            "type": "integer",
            "minimum": 1,
            "maximum": 250,
            "description": "Maximum number of events to return, from 1 to 250."
        })
    );
    assert_eq!(events.parameters()["properties"]["from"]["type"], "string");
    assert!(events.parameters().get("required").is_none());
    // The validation schema keeps what schemars wrote.
    assert_eq!(
        events.validation_schema()["properties"]["from"]["format"],
        "date-time"
    );
}

#[test]
fn connector_keys_come_from_the_list_given_at_runtime() {
    let small = Catalog::new(["notion", "notion", "twilio"]);

    for tool in ["activate_connector", "revoke_connector"] {
        assert_eq!(
            catalog().get(tool).unwrap().parameters()["properties"]["key"]["enum"],
            json!(KEYS),
            "{tool}"
        );
        assert_eq!(
            small.get(tool).unwrap().parameters()["properties"]["key"]["enum"],
            json!(["notion", "twilio"]),
            "{tool}"
        );
    }
    assert_eq!(small.connector_keys(), ["notion", "twilio"]);
}

#[test]
fn an_empty_key_list_leaves_key_unconstrained() {
    let catalog = Catalog::new(Vec::<String>::new());
    let key = &catalog.get("revoke_connector").unwrap().parameters()["properties"]["key"];

    assert!(key.get("enum").is_none(), "{key}");
    assert!(catalog
        .validate("revoke_connector", &json!({"key": "anything"}))
        .is_ok());
}

#[test]
fn every_tool_accepts_its_examples() {
    let catalog = catalog();
    let examples = [
        ("list_connectors", json!({})),
        ("list_connectors", Value::Null),
        ("activate_connector", json!({"key": "google_calendar"})),
        ("revoke_connector", json!({"key": "smtp"})),
        ("list_events", json!({})),
        (
            "list_events",
            json!({"from": "2026-03-02T09:00:00+01:00", "to": "2026-03-09T00:00:00Z", "limit": 250}),
        ),
        ("list_events", json!({"limit": 1, "to": null})),
        ("create_project", json!({"name": "Apollo"})),
        (
            "create_project",
            json!({"name": "Apollo", "description": "Moon landing"}),
        ),
        (
            "create_project",
            json!({"name": "Apollo", "description": null}),
        ),
        ("list_projects", json!({})),
        ("upload_file", json!({})),
    ];

    for (tool, arguments) in examples {
        if let Err(error) = catalog.validate(tool, &arguments) {
            panic!("{tool} {arguments}: {error}");
        }
    }
}

#[test]
fn every_tool_schema_compiles_into_a_validator() {
    // Validators are compiled on a tool's first call: call each one so that a schema
    // jsonschema refuses fails here, not in a request.
    let catalog = catalog();
    for tool in catalog.listing() {
        let refused = catalog.validate(tool.name(), &json!({"colour": "red"}));
        assert!(
            matches!(refused, Err(Error::InvalidArguments { .. })),
            "{}: {refused:?}",
            tool.name()
        );
    }
}

#[test]
fn every_tool_rejects_an_unknown_argument() {
    let catalog = catalog();
    let valid = [
        ("list_connectors", json!({})),
        ("activate_connector", json!({"key": "gmail"})),
        ("revoke_connector", json!({"key": "gmail"})),
        ("list_events", json!({})),
        ("create_project", json!({"name": "Apollo"})),
        ("list_projects", json!({})),
        ("upload_file", json!({})),
    ];

    for (tool, mut arguments) in valid {
        arguments["colour"] = json!("red");

        let problems = problems(catalog.validate(tool, &arguments));

        assert_eq!(problems.len(), 1, "{tool}: {problems:?}");
        assert!(problems[0].1.contains("`colour`"), "{tool}: {problems:?}");
    }
}

#[test]
fn arguments_of_the_wrong_type_are_rejected() {
    let catalog = catalog();

    assert_eq!(
        fields(catalog.validate("list_events", &json!({"limit": "ten"}))),
        ["limit"]
    );
    assert_eq!(
        fields(catalog.validate("list_events", &json!({"limit": 2.5}))),
        ["limit"]
    );
    assert_eq!(
        fields(catalog.validate("create_project", &json!({"name": 5}))),
        ["name"]
    );
    let key = fields(catalog.validate("activate_connector", &json!({"key": ["gmail"]})));
    assert!(key.iter().all(|field| field == "key"), "{key:?}");
    assert_eq!(fields(catalog.validate("list_projects", &json!([]))), [""]);
}

#[test]
fn an_unknown_connector_key_is_rejected_with_the_allowed_keys() {
    let problems = problems(catalog().validate("activate_connector", &json!({"key": "gmial"})));

    assert_eq!(problems[0].0, "key");
    assert!(problems[0].1.contains("\"gmial\""), "{problems:?}");
    assert!(problems[0].1.contains("\"gmail\""), "{problems:?}");
}

#[test]
fn limit_must_be_between_1_and_250() {
    let catalog = catalog();

    for limit in [0, -1, 251, 10_000] {
        let problems = problems(catalog.validate("list_events", &json!({ "limit": limit })));
        assert_eq!(problems.len(), 1, "{limit}: {problems:?}");
        assert_eq!(problems[0].0, "limit");
    }
}

#[test]
fn dates_must_be_rfc_3339_date_times() {
    let problems = problems(catalog().validate(
        "list_events",
        &json!({"from": "tomorrow", "to": "2026-03-02T09:00:00"}),
    ));

    let fields: Vec<&str> = problems.iter().map(|(field, _)| field.as_str()).collect();
    assert_eq!(fields, ["from", "to"]);
    assert!(problems[0].1.contains("RFC 3339"), "{problems:?}");
}

#[test]
fn a_missing_or_empty_project_name_is_rejected() {
    let catalog = catalog();

    let missing = problems(catalog.validate("create_project", &json!({"description": "x"})));
    let empty = fields(catalog.validate("create_project", &json!({"name": ""})));

    assert_eq!(
        missing,
        [("name".to_owned(), "this argument is required".to_owned())]
    );
    assert_eq!(empty, ["name"]);
    assert_eq!(
        fields(catalog.validate("activate_connector", &json!({}))),
        ["key"]
    );
}

#[test]
fn the_error_message_names_the_tool_and_each_field() {
    let error = catalog()
        .validate("list_events", &json!({"limit": 0, "extra": 1}))
        .unwrap_err();

    let message = error.to_string();
    assert!(
        message.starts_with("invalid arguments for `list_events`: "),
        "{message}"
    );
    assert!(
        message.contains("`limit`: 0 is less than the minimum of 1"),
        "{message}"
    );
    assert!(message.contains("`extra`"), "{message}");
    let output = error.to_tool_output();
    assert_eq!(output["error"]["code"], "invalid_arguments");
    assert_eq!(output["error"]["message"], message);
    assert_eq!(output["error"]["fields"].as_array().unwrap().len(), 2);
}

#[test]
fn an_unknown_tool_lists_the_known_ones() {
    let error = catalog()
        .validate("delete_everything", &json!({}))
        .unwrap_err();

    assert!(matches!(&error, Error::UnknownTool { name, .. } if name == "delete_everything"));
    assert!(
        error
            .to_string()
            .contains("list_connectors, activate_connector"),
        "{error}"
    );
    assert_eq!(error.code(), "unknown_tool");
}

#[test]
fn calls_resolve_to_their_http_request() {
    let catalog = catalog();

    let activate = catalog
        .validate("activate_connector", &json!({"key": "google_calendar"}))
        .unwrap();
    assert_eq!(activate.method(), HttpMethod::Post);
    assert_eq!(
        activate.path(),
        "/api/v1/connectors/google_calendar/activate"
    );
    assert_eq!(activate.body(), &CallBody::Empty);

    let events = catalog
        .validate(
            "list_events",
            &json!({"limit": 5, "to": null, "from": "2026-03-02T09:00:00+01:00"}),
        )
        .unwrap();
    assert_eq!(events.method(), HttpMethod::Get);
    assert_eq!(
        events.query(),
        [
            ("from".to_owned(), "2026-03-02T09:00:00+01:00".to_owned()),
            ("limit".to_owned(), "5".to_owned())
        ]
    );
    assert_eq!(
        events.path_and_query(),
        "/api/v1/connectors/google_calendar/events?from=2026-03-02T09%3A00%3A00%2B01%3A00&limit=5"
    );

    let project = catalog
        .validate(
            "create_project",
            &json!({"name": "Apollo", "description": null}),
        )
        .unwrap();
    assert_eq!(project.body(), &CallBody::Json(json!({"name": "Apollo"})));

    let upload = catalog.validate("upload_file", &json!({})).unwrap();
    assert!(upload.needs_user_file());
    assert_eq!(
        upload.body(),
        &CallBody::Multipart {
            file_field: "file".to_owned(),
            fields: Vec::new()
        }
    );
}

#[test]
fn path_parameters_are_percent_encoded_and_dot_segments_refused() {
    let catalog = Catalog::new(Vec::<String>::new());

    let call = catalog
        .validate("revoke_connector", &json!({"key": "a/b c?d#e"}))
        .unwrap();

    assert_eq!(call.path(), "/api/v1/connectors/a%2Fb%20c%3Fd%23e/revoke");
    for key in ["..", ".", ""] {
        assert_eq!(
            fields(catalog.validate("revoke_connector", &json!({ "key": key }))),
            ["key"],
            "{key:?}"
        );
    }
}

#[test]
fn the_listing_serializes_each_binding() {
    let listing = serde_json::to_value(catalog().listing()).unwrap();
    let tool = |name: &str| {
        listing
            .as_array()
            .unwrap()
            .iter()
            .find(|tool| tool["name"] == name)
            .unwrap()
            .clone()
    };

    let events = tool("list_events");
    assert_eq!(events["method"], "GET");
    assert_eq!(events["path"], "/api/v1/connectors/google_calendar/events");
    assert_eq!(events["query_params"], json!(["from", "to", "limit"]));
    assert_eq!(events["body"], "none");
    assert_eq!(
        events["parameters"],
        catalog().get("list_events").unwrap().parameters().clone()
    );

    let revoke = tool("revoke_connector");
    assert_eq!(revoke["method"], "POST");
    assert_eq!(revoke["path"], "/api/v1/connectors/{key}/revoke");
    assert_eq!(revoke["path_params"], json!(["key"]));

    let project = tool("create_project");
    assert_eq!(project["body"], "json");
    assert_eq!(project["body_params"], json!(["name", "description"]));

    let upload = tool("upload_file");
    assert_eq!(upload["path"], "/api/v1/files");
    assert_eq!(upload["body"], "multipart");
    assert_eq!(upload["file_field"], "file");
    assert_eq!(upload["needs_user_file"], true);
    assert_eq!(tool("list_projects")["needs_user_file"], false);
}

/// Arguments of a tool defined outside the crate.
#[allow(dead_code)] // Only the schema is under test.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ShareProject {
    /// Id of the project, as list_projects returns it.
    id: u64,
    /// Address of the person to share it with.
    email: String,
    /// Whether they may edit it.
    #[serde(default)]
    can_edit: bool,
}

impl Tool for ShareProject {
    const NAME: &'static str = "share_project";
    const DESCRIPTION: &'static str = "Share a project with someone.";

    fn binding() -> Binding {
        Binding::put("/api/v1/projects/{id}/shares")
            .with_query(["can_edit"])
            .with_json_body()
    }
}

#[test]
fn custom_tools_can_be_added_and_built_ins_dropped() {
    let catalog = catalog()
        .with_tool::<ShareProject>()
        .without_tool("upload_file");

    let call = catalog
        .validate(
            "share_project",
            &json!({"id": 7, "email": "a@b.c", "can_edit": true}),
        )
        .unwrap();

    assert!(catalog.get("upload_file").is_none());
    assert_eq!(call.method(), HttpMethod::Put);
    assert_eq!(
        call.path_and_query(),
        "/api/v1/projects/7/shares?can_edit=true"
    );
    assert_eq!(call.body(), &CallBody::Json(json!({"email": "a@b.c"})));
}

#[test]
#[should_panic(expected = "two tools are named `list_projects`")]
fn a_tool_name_can_be_used_once() {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Again {}
    impl Tool for Again {
        const NAME: &'static str = "list_projects";
        const DESCRIPTION: &'static str = "Again.";
        fn binding() -> Binding {
            Binding::get("/api/v1/projects")
        }
    }

    let _ = catalog().with_tool::<Again>();
}

#[test]
#[should_panic(expected = "deny_unknown_fields")]
fn a_tool_must_deny_unknown_fields() {
    #[derive(Deserialize, JsonSchema)]
    struct Lax {
        /// Anything.
        _value: Option<String>,
    }
    impl Tool for Lax {
        const NAME: &'static str = "lax";
        const DESCRIPTION: &'static str = "Lax.";
        fn binding() -> Binding {
            Binding::get("/lax").with_query(["_value"])
        }
    }

    let _ = catalog().with_tool::<Lax>();
}

#[test]
#[should_panic(expected = "argument `name` of `homeless` has no place")]
fn every_argument_needs_a_place_in_the_request() {
    #[allow(dead_code)]
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Homeless {
        /// A name.
        name: String,
    }
    impl Tool for Homeless {
        const NAME: &'static str = "homeless";
        const DESCRIPTION: &'static str = "Nowhere to go.";
        fn binding() -> Binding {
            Binding::post("/api/v1/homeless")
        }
    }

    let _ = catalog().with_tool::<Homeless>();
}

#[test]
#[should_panic(expected = "path parameter `{id}` of `optional_id` must be a required argument")]
fn path_parameters_must_be_required_arguments() {
    #[allow(dead_code)]
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct OptionalId {
        /// An id.
        id: Option<String>,
    }
    impl Tool for OptionalId {
        const NAME: &'static str = "optional_id";
        const DESCRIPTION: &'static str = "Broken.";
        fn binding() -> Binding {
            Binding::delete("/api/v1/things/{id}")
        }
    }

    let _ = catalog().with_tool::<OptionalId>();
}

#[test]
fn account_actions_bind_to_their_routes_and_writes_need_approval() {
    let catalog = catalog();
    let needs_approval: Vec<&str> = catalog
        .listing()
        .iter()
        .filter(|tool| tool.needs_approval())
        .map(|tool| tool.name())
        .collect();
    assert_eq!(
        needs_approval,
        [
            "revoke_connector",
            "post_slack_message",
            "send_email",
            "put_file_in_minio",
            "create_notion_page",
            "send_sms"
        ]
    );

    let read = catalog
        .validate(
            "read_slack_channel",
            &json!({"channel": "C01ABCDEF", "limit": 5}),
        )
        .unwrap();
    assert_eq!(
        read.path_and_query(),
        "/api/v1/connectors/slack/channels/C01ABCDEF/messages?limit=5"
    );
    let sms = catalog.validate("list_sms", &json!({"limit": 3})).unwrap();
    assert_eq!(
        sms.path_and_query(),
        "/api/v1/connectors/twilio/messages?limit=3"
    );
    let search = catalog
        .validate("list_gmail_messages", &json!({"q": "from:marie is:unread"}))
        .unwrap();
    assert_eq!(
        search.path_and_query(),
        "/api/v1/connectors/gmail/messages?q=from%3Amarie+is%3Aunread"
    );

    for (tool, arguments, field) in [
        (
            "read_slack_channel",
            json!({"channel": "#general"}),
            "channel",
        ),
        (
            "post_slack_message",
            json!({"channel": "C01ABCDEF", "text": ""}),
            "text",
        ),
        ("list_slack_channels", json!({"limit": 101}), "limit"),
        ("list_gmail_messages", json!({"limit": 0}), "limit"),
        (
            "send_email",
            json!({"to": "a@b.c", "subject": "Hi\nBcc: eve@example.com", "text": "x"}),
            "subject",
        ),
        (
            "send_sms",
            json!({"to": "0612345678", "from": "+15005550006", "body": "hi"}),
            "to",
        ),
        (
            "send_sms",
            json!({"to": "+33612345678", "from": "+15005550006", "body": ""}),
            "body",
        ),
        ("list_sms", json!({"limit": 51}), "limit"),
        ("list_calendly_events", json!({"limit": 0}), "limit"),
        ("list_calendly_event_types", json!({"limit": 51}), "limit"),
        ("list_hostinger_domains", json!({"limit": 101}), "limit"),
        ("list_hostinger_subscriptions", json!({"limit": 0}), "limit"),
    ] {
        let error = catalog.validate(tool, &arguments).unwrap_err();
        let Error::InvalidArguments { problems, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(problems[0].field, field, "{tool}: {error}");
    }
}

#[test]
fn each_problem_says_its_kind_for_a_client_that_words_it_itself() {
    use voice_tools::ProblemKind;
    let kinds = |tool: &str, arguments: Value| match catalog().validate(tool, &arguments) {
        Err(Error::InvalidArguments { problems, .. }) => problems
            .into_iter()
            .map(|problem| (problem.field, problem.kind))
            .collect::<Vec<_>>(),
        other => panic!("expected invalid arguments, got {other:?}"),
    };

    assert_eq!(
        kinds("create_project", json!({"description": "x"})),
        [("name".to_owned(), ProblemKind::Required)]
    );
    assert_eq!(
        kinds("list_events", json!({"from": "tomorrow"})),
        [("from".to_owned(), ProblemKind::NotADateTime)]
    );
    assert_eq!(
        kinds("list_events", json!({"limit": 0})),
        [(
            "limit".to_owned(),
            ProblemKind::OutOfRange {
                min: Some(1),
                max: None
            }
        )]
    );
    assert_eq!(
        kinds("list_projects", json!({"extra": 1})),
        [(String::new(), ProblemKind::Unknown)]
    );
    let key = kinds("activate_connector", json!({"key": "gmial"}));
    let [(field, ProblemKind::NotOneOf(allowed))] = key.as_slice() else {
        panic!("{key:?}");
    };
    assert_eq!(field, "key");
    assert!(allowed.contains(&"gmail".to_owned()), "{allowed:?}");
}
