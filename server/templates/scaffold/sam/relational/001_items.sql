-- The items table and the role the functions connect as. Applied once by scripts/migrate.sh, as
-- the master user; each statement ends with a semicolon at the end of a line.

CREATE TABLE items (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    -- Who created it ({% if self.iam() %}the IAM caller's ARN{% else %}the JWT's sub claim{% endif %}) and the Idempotency-Key they sent:
    -- each pair once, so a retried POST cannot create a second row.
    caller text NOT NULL,
    idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT items_caller_idempotency_key UNIQUE (caller, idempotency_key)
);

-- The functions' user: it signs in through RDS Proxy (which holds its password, set by
-- scripts/migrate.sh from AppUserSecret) and may only read and add items.
CREATE ROLE {{ db.app_user }} LOGIN;
GRANT CONNECT ON DATABASE {{ db.database }} TO {{ db.app_user }};
GRANT USAGE ON SCHEMA public TO {{ db.app_user }};
GRANT SELECT, INSERT ON items TO {{ db.app_user }};

-- Below the function's {{ plan.function.timeout_s }} s timeout: a slow statement fails and releases its locks.
ALTER ROLE {{ db.app_user }} SET statement_timeout = '{{ db.statement_timeout_ms }}ms';
-- A transaction left open by a killed function is ended after a minute.
ALTER ROLE {{ db.app_user }} SET idle_in_transaction_session_timeout = '60s';
