"""On PostgreSQL, the database itself refuses UPDATE, DELETE and TRUNCATE of audit entries.

The one exception is redaction (liaison.audit.actions.redact_changes): inside its own
transaction it sets `liaison.audit_redaction` to 'on', and the trigger then lets through an
UPDATE that sets `changes` to NULL and changes nothing else. `liaison.audit_truncate` = 'on'
lets TRUNCATE through: the test suite sets it on its connections so that flushing a test
database works (docs/audit.md, "Append-only in the database"). SQLite has no such guard.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('liaison.audit_redaction', true) = 'on'
       AND NEW.changes IS NULL
       AND to_jsonb(NEW) - 'changes' = to_jsonb(OLD) - 'changes' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'TRUNCATE' AND current_setting('liaison.audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    -- No percent sign in this text: the migration's SQL goes through the driver's formatting.
    RAISE EXCEPTION USING MESSAGE = 'audit entries are append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege',
              HINT = 'Redaction of changes goes through liaison.audit.actions.redact_changes.';
END
$$;
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
CREATE TRIGGER audit_entry_no_truncate
    BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
