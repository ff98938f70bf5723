// Written to match migrations/*/up.sql; both backends share it.

diesel::table! {
    units (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
        sort_order -> Integer,
    }
}

diesel::table! {
    responses (id) {
        id -> Text,
        survey_id -> Text,
        survey_version -> Text,
        unit_code -> Text,
        channel -> Text,
        period -> Integer,
        day -> Text,
        respondent_group -> Nullable<Text>,
        background -> Text,
        comments -> Text,
        status -> Text,
        keyed_by -> Nullable<Text>,
        submission_id -> Text,
        created_at -> Text,
        answer_list -> Text,
        answers_from -> Nullable<BigInt>,
        answers_to -> Nullable<BigInt>,
    }
}

diesel::table! {
    answers (seq) {
        seq -> BigInt,
        response_id -> Text,
        item_code -> Text,
        value -> Nullable<SmallInt>,
    }
}

diesel::table! {
    slice_counts (survey_id, period, day, unit_code, survey_version, respondent_group) {
        survey_id -> Text,
        survey_version -> Text,
        unit_code -> Text,
        period -> Integer,
        day -> Text,
        respondent_group -> Text,
        counts -> Binary,
    }
}

diesel::table! {
    response_tallies (survey_id, period, day, unit_code, survey_version, respondent_group, channel) {
        survey_id -> Text,
        survey_version -> Text,
        unit_code -> Text,
        period -> Integer,
        respondent_group -> Text,
        day -> Text,
        channel -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        unit_code -> Nullable<Text>,
        created_at -> Text,
        disabled -> Bool,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        expires_at -> Text,
        last_seen -> Text,
    }
}

diesel::table! {
    server_keys (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        token_hash -> Text,
        role -> Text,
        label -> Text,
        created_at -> Text,
        revoked_at -> Nullable<Text>,
        unit_code -> Nullable<Text>,
    }
}

diesel::table! {
    kiosks (id) {
        id -> Text,
        token_hash -> Text,
        unit_code -> Text,
        survey_id -> Text,
        label -> Text,
        created_at -> Text,
        revoked_at -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Text,
        actor -> Text,
        action -> Text,
        detail -> Text,
        form_id -> Nullable<Text>,
    }
}

diesel::table! {
    paper_batches (id) {
        id -> Text,
        survey_id -> Text,
        period -> Integer,
        unit_code -> Text,
        label -> Text,
        expected -> Integer,
        created_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    paper_forms (id) {
        id -> Text,
        batch_id -> Nullable<Text>,
        survey_id -> Text,
        period -> Integer,
        serial -> Text,
        status -> Text,
        response_id -> Nullable<Text>,
        differences -> Nullable<Integer>,
        updated_at -> Text,
    }
}

diesel::table! {
    keyings (id) {
        id -> Text,
        form_id -> Text,
        round -> Integer,
        keyed_by -> Text,
        unit_code -> Text,
        day -> Text,
        respondent_group -> Nullable<Text>,
        background -> Text,
        answers -> Text,
        fields -> Integer,
        started_at -> Text,
        saved_at -> Text,
        wrong_fields -> Nullable<Integer>,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Text,
        survey_id -> Text,
        period -> Integer,
        title -> Text,
        organiser -> Text,
        unit_code -> Text,
        status -> Text,
        created_by -> Text,
        created_at -> Text,
        opened_at -> Nullable<Text>,
        closed_at -> Nullable<Text>,
        in_grace -> Bool,
    }
}

diesel::table! {
    respondents (id) {
        id -> Text,
        campaign_id -> Text,
        name -> Text,
        group_code -> Text,
        unit_code -> Text,
        contact -> Text,
        token_hash -> Nullable<Text>,
        issued_at -> Nullable<Text>,
        revoked_at -> Nullable<Text>,
        answered -> Bool,
    }
}

diesel::table! {
    visit_codes (code_hash) {
        code_hash -> Text,
        unit_code -> Text,
        survey_id -> Text,
        created_by -> Text,
        created_at -> Text,
        expires_on -> Text,
        used -> Bool,
    }
}

diesel::joinable!(answers -> responses (response_id));
diesel::joinable!(paper_forms -> paper_batches (batch_id));
diesel::joinable!(keyings -> paper_forms (form_id));
diesel::table! {
    replaced_links (token_hash) {
        token_hash -> Text,
        campaign_id -> Text,
    }
}

diesel::joinable!(respondents -> campaigns (campaign_id));
diesel::joinable!(replaced_links -> campaigns (campaign_id));
diesel::allow_tables_to_appear_in_same_query!(
    responses,
    answers,
    units,
    paper_batches,
    paper_forms,
    keyings,
    users,
    campaigns,
    respondents,
    replaced_links
);

diesel::table! {
    par_entries (id) {
        id -> Text,
        tree_id -> Text,
        period -> Integer,
        criterion -> Text,
        points -> Text,
        evidence -> Text,
        entered_by -> Text,
        entered_at -> Text,
    }
}

diesel::table! {
    file_imports (id) {
        id -> Text,
        survey_id -> Text,
        file_name -> Text,
        imported_on -> Text,
        rows_read -> BigInt,
        opening -> Text,
        content -> Text,
        id_seed -> Text,
    }
}
