-- An edit's family outlives its original: `original_id` names the first recording even after
-- that one is deleted (so later cuts keep numbering the same family), and each version number is
-- given once per family.
alter table recording_edits drop constraint recording_edits_original_id_fkey;
alter table recording_edits alter column original_id set not null;
create unique index recording_edits_version_once on recording_edits (original_id, version);
