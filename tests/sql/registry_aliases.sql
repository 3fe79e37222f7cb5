-- Aliases, events, tags, rollback and the registry views (ext/aliases.c).
-- Behaviour numbers are aliases.c's.
CREATE TABLE runs(x REAL);
INSERT INTO runs VALUES (1), (2), (3), (5), (8), (13);
CREATE TABLE m AS SELECT (SELECT scaler_train(feature_vector('x', x)) FROM runs) AS a,
  (SELECT scaler_train(feature_vector('x', x)) FROM runs WHERE x > 1) AS b,
  (SELECT scaler_train(feature_vector('x', x)) FROM runs WHERE x > 2) AS c;
-- case: aliases.save.1
SELECT model_save('dur', a) = 1 FROM m;
-- case: aliases.save.2.production
SELECT model_save('dur', b, 'production') = 2 FROM m;
-- case: aliases.save.3
SELECT model_save('dur', c) = 3 FROM m;
-- behaviour 1: the tables and views exist after the first save
-- case: aliases.schema
SELECT group_concat(name, ',') = 'omen_alias_history,omen_aliases,omen_model_events,omen_model_tags,omen_models,omen_predictions,omen_registry'
  FROM (SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name LIKE 'omen%' ORDER BY name);
-- the bare name means the production alias, not the newest version
-- case: aliases.bare.production
SELECT json_extract(model_info('dur'), '$.rows_used') = 5;
-- case: aliases.stage.follows
SELECT group_concat(version || ':' || stage, ',') = '1:none,2:production,3:none' FROM (SELECT * FROM omen_models ORDER BY version);
-- behaviour 5: a new alias, then a move with a note
-- case: aliases.alias.new
SELECT model_alias('dur', 'champion', 1) = 1;
-- case: aliases.alias.ref
SELECT json_extract(model_info('dur@champion'), '$.rows_used') = 6 AND model_load('dur', 'champion') = (SELECT model FROM omen_models WHERE version = 1);
-- case: aliases.alias.move
SELECT model_alias('dur', 'champion', 3, 'beats 1') = 3;
-- case: aliases.alias.same.noop
SELECT model_alias('dur', 'champion', 3) = 3 AND (SELECT count(*) FROM omen_model_events WHERE alias = 'champion') = 2;
-- case: aliases.events
SELECT group_concat(coalesce(alias, '-') || ':' || coalesce(from_version, '-') || '>' || coalesce(to_version, '-') || ':' || coalesce(note, '-'), ' | ')
   = '-:->1:saved | -:->2:saved | production:->2:model_save | -:->3:saved | champion:->1:- | champion:1>3:beats 1'
  FROM (SELECT * FROM omen_model_events ORDER BY id);
-- case: aliases.events.time.format
SELECT count(*) = 0 FROM omen_model_events WHERE at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]';
-- production moves: the old version's stage drops to none
-- case: aliases.production.move
SELECT model_alias('dur', 'production', 3) = 3;
-- case: aliases.production.stage
SELECT group_concat(version || ':' || stage, ',') = '1:none,2:none,3:production' FROM (SELECT * FROM omen_models ORDER BY version);
-- case: aliases.production.bare
SELECT json_extract(model_info('dur'), '$.rows_used') = 4;
-- rollback: back to 2, and a second rollback undoes the first
-- case: aliases.rollback
SELECT model_rollback('dur') = 2;
-- case: aliases.rollback.bare
SELECT json_extract(model_info('dur'), '$.rows_used') = 5;
-- case: aliases.rollback.again
SELECT model_rollback('dur', 'production') = 3;
-- case: aliases.rollback.notes
SELECT group_concat(note, ',') LIKE 'rollback of event %,rollback of event %' FROM (SELECT note FROM omen_model_events WHERE alias = 'production' ORDER BY id DESC LIMIT 2);
-- case: aliases.rollback.champion
SELECT model_rollback('dur', 'champion') = 1;
-- removing an alias
-- case: aliases.remove
SELECT model_alias('dur', 'champion', NULL) IS NULL AND NOT EXISTS (SELECT 1 FROM omen_aliases WHERE alias = 'champion');
-- case: aliases.remove.event
SELECT from_version = 1 AND to_version IS NULL FROM omen_model_events WHERE alias = 'champion' ORDER BY id DESC LIMIT 1;
-- case: aliases.err.removed.ref
-- error: model_info(): model 'dur' has no alias 'champion'
SELECT model_info('dur@champion');
-- case: aliases.rollback.after.remove
SELECT model_rollback('dur', 'champion') = 1;
-- tags
-- case: aliases.tag.set
SELECT model_tag('dur', 3, 'validated', 'yes') = 'yes' AND model_tag('dur', 3, 'owner', 42) = '42';
-- case: aliases.tag.replace
SELECT model_tag('dur', 3, 'validated', 'no') = 'no' AND (SELECT count(*) FROM omen_model_tags) = 2;
-- case: aliases.tag.remove
SELECT model_tag('dur', 3, 'owner', NULL) IS NULL AND (SELECT count(*) FROM omen_model_tags) = 1;
-- views
-- case: aliases.registry.view
SELECT group_concat(coalesce(alias, '(name)') || '=' || version || ':' || kind || ':' || rows_used || ':' || coalesce(tags, ''), ' ')
   = 'champion=1:scaler:6: production=3:scaler:4:validated=no (name)=3:scaler:4:validated=no'
  FROM (SELECT * FROM omen_registry ORDER BY alias IS NULL, alias);
-- case: aliases.registry.since
SELECT since = (SELECT max(at) FROM omen_model_events WHERE alias = 'production') FROM omen_registry WHERE alias = 'production';
-- case: aliases.registry.age
SELECT age_days >= 0 AND age_days < 1 FROM omen_registry WHERE alias = 'production';
-- "which version was production at time T": the history view
-- case: aliases.history.intervals
SELECT group_concat(version, ',') = '2,3,2,3' FROM (SELECT version FROM omen_alias_history WHERE name = 'dur' AND alias = 'production' ORDER BY event_id);
-- case: aliases.history.open.interval
SELECT count(*) = 1 FROM omen_alias_history WHERE alias = 'production' AND until_at IS NULL;
-- case: aliases.history.at.time
SELECT version = 3 FROM omen_alias_history WHERE alias = 'production' AND from_at <= strftime('%Y-%m-%d %H:%M:%f', 'now') AND coalesce(until_at, '9999') > strftime('%Y-%m-%d %H:%M:%f', 'now');

-- behaviour 2: plain SQL on the tables keeps everything consistent
-- a stage written by hand moves the alias (scripts from before aliases)
UPDATE omen_models SET stage = 'production' WHERE name = 'dur' AND version = 1;
-- case: aliases.hand.stage.moves
SELECT (SELECT version FROM omen_aliases WHERE alias = 'production') = 1
   AND (SELECT group_concat(version || ':' || stage, ',') FROM (SELECT * FROM omen_models ORDER BY version)) = '1:production,2:none,3:none';
-- case: aliases.hand.stage.event
SELECT from_version = 3 AND to_version = 1 AND note = 'stage written in omen_models' FROM omen_model_events WHERE alias = 'production' ORDER BY id DESC LIMIT 1;
-- a second production version cannot be forced: the first one drops
UPDATE omen_models SET stage = 'production' WHERE name = 'dur';
-- case: aliases.hand.one.production
SELECT count(*) = 1 FROM omen_models WHERE stage = 'production';
-- case: aliases.hand.one.alias
SELECT count(*) = 1 FROM omen_aliases WHERE alias = 'production';
-- a hand move of an alias row is an event too
UPDATE omen_aliases SET version = 2 WHERE name = 'dur' AND alias = 'production';
-- case: aliases.hand.alias.event
SELECT to_version = 2 AND note IS NULL FROM omen_model_events WHERE alias = 'production' ORDER BY id DESC LIMIT 1;
-- case: aliases.hand.alias.stage
SELECT stage = 'production' FROM omen_models WHERE version = 2;
-- case: aliases.err.hand.rename
-- error: omen_aliases: an alias row keeps its name and alias; change its version, or delete it and insert another
UPDATE omen_aliases SET alias = 'prod' WHERE name = 'dur' AND alias = 'production';
-- case: aliases.err.hand.delete.target
-- error: an alias points at this version of the model: move or remove it first with model_alias(name, alias, version)
DELETE FROM omen_models WHERE name = 'dur' AND version = 2;
-- case: aliases.err.hand.second.row
-- error: UNIQUE constraint failed: omen_aliases.name, omen_aliases.alias
INSERT INTO omen_aliases(name, alias, version) VALUES ('dur', 'production', 1);
-- case: aliases.delete.untargeted
DELETE FROM omen_models WHERE name = 'dur' AND version = 3 RETURNING version = 3;

-- behaviour 6: a move inside a transaction that rolls back leaves nothing
CREATE TABLE before AS SELECT (SELECT count(*) FROM omen_model_events) AS ev, (SELECT version FROM omen_aliases WHERE alias = 'production') AS prod;
BEGIN;
-- case: aliases.txn.move
SELECT model_alias('dur', 'production', 1) = 1;
-- case: aliases.txn.inside
SELECT json_extract(model_info('dur'), '$.rows_used') = 6;
ROLLBACK;
-- case: aliases.txn.rolled.back
SELECT (SELECT count(*) FROM omen_model_events) = ev AND (SELECT version FROM omen_aliases WHERE alias = 'production') = prod FROM before;

-- errors (behaviours 4, 5, 7)
-- case: aliases.err.alias.type
-- error: model_alias(): alias (argument 2) is INTEGER; expected TEXT such as 'production' or 'champion'
SELECT model_alias('dur', 1, 1);
-- case: aliases.err.alias.digit
-- error: model_alias(): alias (argument 2) '1st' does not start with a letter (a text of digits is a version)
SELECT model_alias('dur', '1st', 1);
-- case: aliases.err.alias.chars
-- error: model_alias(): alias (argument 2) 'a b' may hold only ASCII letters, digits, '_', '-' and '.'
SELECT model_alias('dur', 'a b', 1);
-- case: aliases.err.alias.none
-- error: model_alias(): alias (argument 2) 'none' is reserved: 'none' means no alias
SELECT model_alias('dur', 'none', 1);
-- case: aliases.err.alias.long
-- error: model_alias(): alias (argument 2) 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is longer than 64 bytes
SELECT model_alias('dur', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1);
-- case: aliases.err.alias.empty
-- error: model_alias(): alias (argument 2) '' is empty
SELECT model_alias('dur', '', 1);
-- case: aliases.err.name.type
-- error: model_alias(): name (argument 1) is NULL; expected TEXT
SELECT model_alias(NULL, 'x', 1);
-- case: aliases.err.name.at
-- error: model_alias(): name (argument 1) 'a@b' is not a model name (1 to 255 bytes of UTF-8, no '@')
SELECT model_alias('a@b', 'x', 1);
-- case: aliases.err.version.type
-- error: model_alias(): version (argument 3) is TEXT; expected a version number (1 or more), or NULL to remove the alias
SELECT model_alias('dur', 'x', '1');
-- case: aliases.err.version.zero
-- error: model_alias(): version (argument 3) is 0; expected a version number (1 or more), or NULL to remove the alias
SELECT model_alias('dur', 'x', 0);
-- case: aliases.err.version.missing
-- error: model_alias(): model 'dur' has no version 3
SELECT model_alias('dur', 'x', 3);
-- case: aliases.err.unknown.name
-- error: model_alias(): model 'nope' has no version 1
SELECT model_alias('nope', 'x', 1);
-- case: aliases.err.note.type
-- error: model_alias(): note (argument 4) is BLOB; expected TEXT or NULL
SELECT model_alias('dur', 'x', 1, x'00');
-- case: aliases.err.rollback.never
-- error: model_rollback(): model 'dur' has no alias 'canary' and never had one
SELECT model_rollback('dur', 'canary');
-- case: aliases.new.canary
SELECT model_alias('dur', 'canary', 1) = 1;
-- case: aliases.err.rollback.first
-- error: model_rollback(): alias 'canary' of model 'dur' has no previous version to go back to (its last event, #17, created it)
SELECT model_rollback('dur', 'canary');
-- case: aliases.err.tag.version
-- error: model_tag(): model 'dur' has no version 9
SELECT model_tag('dur', 9, 'k', 'v');
-- case: aliases.err.tag.key
-- error: model_tag(): key (argument 3) is NULL; expected TEXT
SELECT model_tag('dur', 1, NULL, 'v');
-- case: aliases.err.tag.blob
-- error: model_tag(): value (argument 4) is BLOB; expected TEXT, a number, or NULL to remove the tag
SELECT model_tag('dur', 1, 'k', x'01');
-- case: aliases.err.save.alias
-- error: model_save(): alias (argument 3) 'x y' may hold only ASCII letters, digits, '_', '-' and '.'
SELECT model_save('dur', a, 'x y') FROM m;
-- behaviour 7: writers are refused inside other statements and in triggers
CREATE TABLE t(v);
-- case: aliases.err.guard.insert
-- error: model_alias(): refused: the model registry is written only from a SELECT of its own (run SELECT model_alias(...), then use what it returns), and a 'INSERT INTO t SELECT model_alias('dur', ...' statement is running on this connection; if you did not write that statement, a CHECK constraint, trigger or PRAGMA is calling model_alias() (see docs/SECURITY.md)
INSERT INTO t SELECT model_alias('dur', 'production', 1);
CREATE TRIGGER t_promote AFTER INSERT ON t BEGIN SELECT model_alias('dur', 'production', 1); END;
-- case: aliases.err.trigger
-- error: unsafe use of model_alias()
INSERT INTO t VALUES (1);
DROP TRIGGER t_promote;
CREATE VIEW v_rollback AS SELECT model_rollback('dur');
-- case: aliases.err.view
-- error: unsafe use of model_rollback()
SELECT * FROM v_rollback;
-- case: aliases.unchanged.after.errors
SELECT (SELECT version FROM omen_aliases WHERE alias = 'production') = 2 AND NOT EXISTS (SELECT 1 FROM omen_aliases WHERE alias = 'x');
