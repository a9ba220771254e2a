"""On PostgreSQL, one TIC-TAC transfer in one round trip: the database function
`timebank_post_transfer`, called by coope/timebank/ledger_pg.py for `services._post`.

In one call, inside the caller's transaction, it does what `_post` does in Python on SQLite:
1. locks the transfer's accounts in primary-key order (FOR NO KEY UPDATE), the lock order of
   every TIC-TAC service;
2. finds a transfer already recorded under the idempotency key: the same content answers
   'replay' with its id, another content 'other_content';
3. leg after leg, in the order given: a closed account answers 'closed'; a new balance past the
   account's limits (its own, else its category's, else the default the caller passes; the lower
   one minus the minutes held) answers 'over_limit' with the figures of the refusal;
4. dates the transfer (unless the caller gives its date) and the audit row at the caller's
   clock moved on by the wait for the locks;
5. inserts the transfer (a key recorded meanwhile by a concurrent request: 'replay' or
   'other_content', nothing written), its entries in the order of the legs, moves the cached
   balances, and writes the audit row whose values the caller sealed in Python (its object id
   and description get the new transfer's id in place of `p_audit_mark`); answers 'done'.
A refusal writes nothing: the caller raises the French message. SQLite keeps the Python path.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION timebank_post_transfer(
    p_cooperation_id bigint,
    p_accounts bigint[],
    p_minutes integer[],
    p_default_low integer[],
    p_default_high integer[],
    p_kind varchar,
    p_amount integer,
    p_key varchar,
    p_content_hash varchar,
    p_memo varchar,
    p_category_id bigint,
    p_item_type_id integer,
    p_item_id bigint,
    p_reverses_id bigint,
    p_reason varchar,
    p_created_by_id bigint,
    p_created_at timestamptz,
    p_now timestamptz,
    p_audit_actor_id bigint,
    p_audit_action varchar,
    p_audit_model varchar,
    p_audit_repr varchar,
    p_audit_mark varchar,
    p_audit_changes jsonb,
    OUT status text,
    OUT transfer_id bigint,
    OUT account_id bigint,
    OUT after_minutes integer,
    OUT low_minutes integer,
    OUT high_minutes integer,
    OUT held_minutes integer,
    OUT balances integer[],
    OUT created_at timestamptz
) AS $$
DECLARE
    legs integer := coalesce(array_length(p_accounts, 1), 0);
    leg integer;
    account record;
    category record;
    existing record;
    moment timestamptz;
BEGIN
    PERFORM 1 FROM timebank_account WHERE id = ANY (p_accounts) ORDER BY id FOR NO KEY UPDATE;
    -- The caller's clock (Python's, which tests may set), moved on by the wait for the locks:
    -- the transfers of one account are dated in the order they take its lock.
    moment := p_now + (clock_timestamp() - statement_timestamp());
    created_at := coalesce(p_created_at, moment);

    SELECT t.id, t.content_hash INTO existing FROM timebank_transfer t
        WHERE t.cooperation_id = p_cooperation_id AND t.idempotency_key = p_key;
    IF FOUND THEN
        status := CASE WHEN existing.content_hash = p_content_hash
            THEN 'replay' ELSE 'other_content' END;
        transfer_id := existing.id;
        RETURN;
    END IF;

    balances := '{}';
    FOR leg IN 1 .. legs LOOP
        SELECT a.closed_at, a.balance_minutes, a.kind, a.min_balance_minutes,
               a.max_balance_minutes
            INTO account FROM timebank_account a WHERE a.id = p_accounts[leg];
        IF account.closed_at IS NOT NULL THEN
            status := 'closed';
            account_id := p_accounts[leg];
            RETURN;
        END IF;
        after_minutes := account.balance_minutes + p_minutes[leg];
        SELECT c.min_balance_minutes, c.max_balance_minutes INTO category
            FROM timebank_categorylimit c
            WHERE c.cooperation_id = p_cooperation_id AND c.kind = account.kind;
        IF FOUND THEN
            low_minutes := category.min_balance_minutes;
            high_minutes := category.max_balance_minutes;
        ELSE
            low_minutes := p_default_low[leg];
            high_minutes := p_default_high[leg];
        END IF;
        low_minutes := coalesce(account.min_balance_minutes, low_minutes);
        high_minutes := coalesce(account.max_balance_minutes, high_minutes);
        held_minutes := 0;
        IF p_minutes[leg] < 0 AND low_minutes IS NOT NULL THEN
            SELECT coalesce(sum(h.minutes), 0) INTO held_minutes FROM timebank_hold h
                WHERE h.account_id = p_accounts[leg] AND h.status = 'held';
        END IF;
        IF (p_minutes[leg] < 0 AND low_minutes IS NOT NULL
                AND after_minutes - held_minutes < low_minutes)
            OR (p_minutes[leg] > 0 AND high_minutes IS NOT NULL
                AND after_minutes > high_minutes) THEN
            status := 'over_limit';
            account_id := p_accounts[leg];
            RETURN;
        END IF;
        balances := balances || after_minutes;
    END LOOP;
    after_minutes := NULL;
    low_minutes := NULL;
    high_minutes := NULL;
    held_minutes := NULL;

    INSERT INTO timebank_transfer (
        cooperation_id, kind, amount_minutes, idempotency_key, content_hash, memo, category_id,
        item_type_id, item_id, reverses_id, reason, created_by_id, created_at
    ) VALUES (
        p_cooperation_id, p_kind, p_amount, p_key, p_content_hash, p_memo, p_category_id,
        p_item_type_id, p_item_id, p_reverses_id, p_reason, p_created_by_id, created_at
    )
    ON CONFLICT ON CONSTRAINT timebank_transfer_key_unique DO NOTHING
    RETURNING id INTO transfer_id;
    IF transfer_id IS NULL THEN
        -- Recorded by a concurrent request that committed while this insert waited for it.
        SELECT t.id, t.content_hash INTO existing FROM timebank_transfer t
            WHERE t.cooperation_id = p_cooperation_id AND t.idempotency_key = p_key;
        status := CASE WHEN existing.content_hash = p_content_hash
            THEN 'replay' ELSE 'other_content' END;
        transfer_id := existing.id;
        balances := NULL;
        RETURN;
    END IF;

    INSERT INTO timebank_entry (cooperation_id, transfer_id, account_id, amount_minutes)
        SELECT p_cooperation_id, transfer_id, leg_account, leg_minutes
        FROM unnest(p_accounts, p_minutes) WITH ORDINALITY AS l (leg_account, leg_minutes, n)
        ORDER BY n;
    UPDATE timebank_account a SET balance_minutes = a.balance_minutes + l.leg_minutes
        FROM unnest(p_accounts, p_minutes) AS l (leg_account, leg_minutes)
        WHERE a.id = l.leg_account;
    INSERT INTO core_auditentry (
        cooperation_id, at, actor_id, action, model, object_id, object_repr, changes
    ) VALUES (
        p_cooperation_id, moment, p_audit_actor_id, p_audit_action, p_audit_model,
        transfer_id::text, left(replace(p_audit_repr, p_audit_mark, transfer_id::text), 200),
        p_audit_changes
    );
    status := 'done';
END;
$$ LANGUAGE plpgsql VOLATILE;
"""

DROP = "DROP FUNCTION IF EXISTS timebank_post_transfer"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("timebank", "0007_category_name_unique_ignoring_case"),
        ("core", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_function, drop_function)]
