-- Transcripts imported from the first AudioTricks (its browser-kept history): a recording whose
-- stored object is the imported entry as it was (JSON), with no audio to play. `imported_from`
-- names the entry, so importing the same history twice adds nothing.
alter table recordings drop constraint recordings_status_check;
alter table recordings add constraint recordings_status_check
    check (status in ('uploading', 'checking', 'ready', 'rejected', 'imported'));
alter table recordings add column imported_from text check (length(imported_from) between 1 and 200);
create unique index recordings_imported_from on recordings (workspace_id, imported_from)
    where imported_from is not null;
