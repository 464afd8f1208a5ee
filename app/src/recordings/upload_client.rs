//! The browser side of uploads: cuts each file into the server's parts, PUTs up to four at a
//! time straight to their signed URLs (XMLHttpRequest, for upload progress), retries a part that
//! failed, reports finished parts as it asks for the next URLs, and completes. Pausing aborts the
//! parts on their way; they start over on resume. The server keeps the plan and finished parts,
//! so a reloaded page resumes by picking the same file again.

use std::{
    cell::RefCell,
    collections::{BTreeMap, HashMap, VecDeque},
    rc::Rc,
};

use futures_channel::oneshot;
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{File, FileList, ProgressEvent, XmlHttpRequest};

use super::{
    api::{cancel_upload, complete_upload, resume_upload, start_upload, upload_part_urls},
    uploader::{RowState, UploadRow},
    PartDone, UnfinishedUpload, UploadPlan, URL_BATCH,
};

const PARALLEL: usize = 4;
const TRIES: u32 = 4;
/// Finished parts are reported at least this often (as well as with each request for URLs), so
/// a reload loses at most the last second's parts.
const REPORT_EVERY_MS: f64 = 1000.0;

struct Upload {
    workspace: String,
    file: File,
    row: UploadRow,
    recording_id: String,
    part_size: u64,
    part_count: u32,
    pending: VecDeque<u32>,
    done: BTreeMap<u32, String>,
    /// Finished parts the server has not heard of yet (sent with the next request).
    unreported: Vec<PartDone>,
    last_report_ms: f64,
    urls: HashMap<u32, String>,
    /// Parts on their way: the request (to abort it) and bytes sent so far.
    in_flight: HashMap<u32, (XmlHttpRequest, u64)>,
    /// (milliseconds, bytes sent) over the last few seconds, for the speed.
    samples: VecDeque<(f64, u64)>,
    stopped: bool,
    running: bool,
}

type Shared = Rc<RefCell<Upload>>;

thread_local! {
    static UPLOADS: RefCell<HashMap<u64, Shared>> = RefCell::new(HashMap::new());
    static NEXT_ID: RefCell<u64> = const { RefCell::new(1) };
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_default()
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Starts uploading the picked files; with `resume`, the one file must be that upload's.
/// Returns whether any upload started.
pub fn add_files(
    files: FileList,
    workspace: String,
    rows: RwSignal<Vec<UploadRow>>,
    library_changed: RwSignal<u32>,
    problem: RwSignal<Option<String>>,
    max: u64,
    resume: Option<UnfinishedUpload>,
) -> bool {
    problem.set(None);
    let mut refused = Vec::new();
    let mut started = false;
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        let size = file.size() as u64;
        if let Some(u) = &resume {
            let same = file.name() == u.file_name
                && size == u.size_bytes as u64
                && u.file_modified_ms.is_none_or(|m| m == file.last_modified() as i64);
            if !same {
                problem.set(Some(format!(
                    "{} is not the file this upload started with ({}, {}). Choose that file to resume.",
                    file.name(),
                    u.file_name,
                    super::size_in_words(u.size_bytes)
                )));
                return false;
            }
        } else if size > max {
            refused.push(format!(
                "{} is {}; the largest upload is {}.",
                file.name(),
                super::size_in_words(size as i64),
                super::size_in_words(max as i64)
            ));
            continue;
        } else if size == 0 {
            refused.push(format!("{} is empty.", file.name()));
            continue;
        }
        let id = NEXT_ID.with(|n| {
            let mut n = n.borrow_mut();
            *n += 1;
            *n
        });
        let row = UploadRow::new(id, file.name(), size, library_changed);
        rows.update(|r| r.insert(0, row));
        let workspace = workspace.clone();
        let resume_id = resume.as_ref().map(|u| u.recording_id.clone());
        spawn_local(async move { begin(row, workspace, file, resume_id).await });
        started = true;
    }
    if !refused.is_empty() {
        problem.set(Some(refused.join(" ")));
    }
    started
}

async fn begin(row: UploadRow, workspace: String, file: File, resume_id: Option<String>) {
    let plan: Result<UploadPlan, _> = match resume_id {
        Some(id) => resume_upload(workspace.clone(), id).await,
        None => {
            let modified = file.last_modified() as i64;
            start_upload(workspace.clone(), file.name(), file.size() as i64, Some(modified)).await
        }
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(e) => {
            row.state.set(RowState::Failed(e.to_string()));
            return;
        }
    };
    let done: BTreeMap<u32, String> = plan.done.iter().map(|p| (p.number, p.etag.clone())).collect();
    let pending = (1..=plan.part_count).filter(|n| !done.contains_key(n)).collect();
    let upload = Rc::new(RefCell::new(Upload {
        workspace,
        file,
        row,
        recording_id: plan.recording_id,
        part_size: plan.part_size,
        part_count: plan.part_count,
        pending,
        done,
        unreported: Vec::new(),
        last_report_ms: now_ms(),
        urls: HashMap::new(),
        in_flight: HashMap::new(),
        samples: VecDeque::new(),
        stopped: false,
        running: false,
    }));
    UPLOADS.with(|u| u.borrow_mut().insert(row.id, upload.clone()));
    update_progress(&upload);
    run(upload).await;
}

fn get(row: UploadRow) -> Option<Shared> {
    UPLOADS.with(|u| u.borrow().get(&row.id).cloned())
}

fn abort_in_flight(upload: &Shared) {
    let requests: Vec<(u32, XmlHttpRequest)> = upload
        .borrow_mut()
        .in_flight
        .drain()
        .map(|(n, (xhr, _))| (n, xhr))
        .collect();
    for (n, xhr) in requests {
        let _ = xhr.abort();
        upload.borrow_mut().pending.push_front(n);
    }
    update_progress(upload);
}

pub fn pause(row: UploadRow) {
    let Some(upload) = get(row) else { return };
    upload.borrow_mut().stopped = true;
    abort_in_flight(&upload);
    row.state.set(RowState::Paused);
    row.speed.set(None);
    // Tell the server what is finished, so a reload resumes from here.
    spawn_local(async move { report(&upload).await });
}

pub fn resume(row: UploadRow) {
    let Some(upload) = get(row) else {
        row.state.set(RowState::Failed(
            "This upload did not start. Choose the file again.".into(),
        ));
        return;
    };
    if upload.borrow().running {
        return;
    }
    upload.borrow_mut().stopped = false;
    upload.borrow_mut().samples.clear();
    spawn_local(run(upload));
}

pub fn cancel(row: UploadRow) {
    row.state.set(RowState::Cancelled);
    row.speed.set(None);
    let Some(upload) = get(row) else { return };
    upload.borrow_mut().stopped = true;
    abort_in_flight(&upload);
    let (workspace, id) = {
        let u = upload.borrow();
        (u.workspace.clone(), u.recording_id.clone())
    };
    UPLOADS.with(|u| u.borrow_mut().remove(&row.id));
    spawn_local(async move {
        if let Err(e) = cancel_upload(workspace, id).await {
            row.state.set(RowState::Failed(format!("Could not cancel: {e}")));
        }
    });
}

async fn report(upload: &Shared) {
    let (workspace, id, done) = {
        let mut u = upload.borrow_mut();
        u.last_report_ms = now_ms();
        (
            u.workspace.clone(),
            u.recording_id.clone(),
            std::mem::take(&mut u.unreported),
        )
    };
    if done.is_empty() {
        return;
    }
    if upload_part_urls(workspace, id, done.clone(), Vec::new()).await.is_err() {
        upload.borrow_mut().unreported.extend(done);
    }
}

fn update_progress(upload: &Shared) {
    let mut u = upload.borrow_mut();
    let size = u.file.size() as u64;
    let part_len = |n: u32| (u.part_size).min(size - u.part_size * u64::from(n - 1));
    let finished: u64 = u.done.keys().map(|n| part_len(*n)).sum();
    let moving: u64 = u.in_flight.values().map(|(_, sent)| *sent).sum();
    let sent = (finished + moving).min(size);
    let now = now_ms();
    u.samples.push_back((now, sent));
    while u.samples.front().is_some_and(|(t, _)| now - t > 5000.0) {
        u.samples.pop_front();
    }
    let speed = match (u.samples.front(), u.samples.back()) {
        (Some((t0, b0)), Some((t1, b1))) if t1 - t0 > 500.0 && b1 >= b0 => Some((b1 - b0) as f64 * 1000.0 / (t1 - t0)),
        _ => None,
    };
    u.row.sent.set(sent);
    u.row.speed.set(speed);
}

/// Uploads the remaining parts with up to `PARALLEL` at once, then completes.
async fn run(upload: Shared) {
    let row = upload.borrow().row;
    upload.borrow_mut().running = true;
    row.state.set(RowState::Uploading);
    let workers = (0..PARALLEL).map(|_| worker(upload.clone()));
    let results = join_all(workers.collect()).await;
    upload.borrow_mut().running = false;
    if upload.borrow().stopped {
        return;
    }
    if let Some(reason) = results.into_iter().find_map(Result::err) {
        abort_in_flight(&upload);
        row.speed.set(None);
        row.state.set(RowState::Failed(reason));
        report(&upload).await;
        return;
    }
    let complete = {
        let u = upload.borrow();
        u.done.len() == u.part_count as usize
    };
    if !complete {
        return;
    }
    row.state.set(RowState::Finishing);
    row.speed.set(None);
    // Every part, not only the unreported ones: a report still on its way must not leave the
    // server short of a part (recording a part twice is harmless).
    let (workspace, id, done) = {
        let mut u = upload.borrow_mut();
        u.unreported.clear();
        let all = u
            .done
            .iter()
            .map(|(number, etag)| PartDone {
                number: *number,
                etag: etag.clone(),
            })
            .collect::<Vec<_>>();
        (u.workspace.clone(), u.recording_id.clone(), all)
    };
    match complete_upload(workspace, id, done).await {
        Ok(()) => {
            row.state.set(RowState::Done);
            UPLOADS.with(|u| u.borrow_mut().remove(&row.id));
            row.library_changed.update(|n| *n += 1);
        }
        Err(e) => row.state.set(RowState::Failed(e.to_string())),
    }
}

/// Runs the futures side by side (a tiny join: wasm is single-threaded).
async fn join_all<F: std::future::Future<Output = Result<(), String>> + 'static>(
    futures: Vec<F>,
) -> Vec<Result<(), String>> {
    let mut receivers = Vec::new();
    for future in futures {
        let (tx, rx) = oneshot::channel();
        spawn_local(async move {
            let _ = tx.send(future.await);
        });
        receivers.push(rx);
    }
    let mut results = Vec::new();
    for rx in receivers {
        results.push(rx.await.unwrap_or(Ok(())));
    }
    results
}

/// Takes parts from the queue until none are left, the upload stops, or a part fails for good.
async fn worker(upload: Shared) -> Result<(), String> {
    loop {
        let next = {
            let mut u = upload.borrow_mut();
            if u.stopped {
                return Ok(());
            }
            u.pending.pop_front()
        };
        let Some(number) = next else { return Ok(()) };
        let mut tries = 0;
        loop {
            tries += 1;
            match send_part(&upload, number).await {
                Ok(etag) => {
                    let mut u = upload.borrow_mut();
                    u.done.insert(number, etag.clone());
                    u.unreported.push(PartDone { number, etag });
                    let report_now = now_ms() - u.last_report_ms >= REPORT_EVERY_MS;
                    drop(u);
                    update_progress(&upload);
                    if report_now {
                        let upload = upload.clone();
                        spawn_local(async move { report(&upload).await });
                    }
                    break;
                }
                Err(PartError::Aborted) => return Ok(()),
                Err(error) if tries >= TRIES => {
                    upload.borrow_mut().pending.push_front(number);
                    return Err(match error {
                        PartError::Failed(reason) => reason,
                        _ => "Storage kept refusing the upload links. Try again.".into(),
                    });
                }
                // A refused link (expired while paused, say): ask for a fresh one.
                Err(PartError::Expired) => {
                    upload.borrow_mut().urls.remove(&number);
                }
                Err(PartError::Failed(_)) => sleep(1000 * (1 << (tries - 1))).await,
            }
            if upload.borrow().stopped {
                upload.borrow_mut().pending.push_front(number);
                return Ok(());
            }
        }
    }
}

enum PartError {
    Aborted,
    Expired,
    Failed(String),
}

async fn url_for(upload: &Shared, number: u32) -> Result<String, PartError> {
    if let Some(url) = upload.borrow().urls.get(&number) {
        return Ok(url.clone());
    }
    let (workspace, id, done, want) = {
        let mut u = upload.borrow_mut();
        let mut want = vec![number];
        want.extend(
            u.pending
                .iter()
                .copied()
                .filter(|n| !u.urls.contains_key(n))
                .take(URL_BATCH - 1),
        );
        (
            u.workspace.clone(),
            u.recording_id.clone(),
            {
                u.last_report_ms = now_ms();
                std::mem::take(&mut u.unreported)
            },
            want,
        )
    };
    match upload_part_urls(workspace, id, done.clone(), want).await {
        Ok(urls) => {
            let mut u = upload.borrow_mut();
            for part in urls {
                u.urls.insert(part.number, part.url);
            }
            u.urls
                .get(&number)
                .cloned()
                .ok_or(PartError::Failed("The server gave no URL for a part.".into()))
        }
        Err(e) => {
            upload.borrow_mut().unreported.extend(done);
            Err(PartError::Failed(e.to_string()))
        }
    }
}

/// PUTs one part and returns the store's ETag for it.
async fn send_part(upload: &Shared, number: u32) -> Result<String, PartError> {
    let url = url_for(upload, number).await?;
    let blob = {
        let u = upload.borrow();
        let size = u.file.size();
        let start = u.part_size as f64 * f64::from(number - 1);
        let end = (start + u.part_size as f64).min(size);
        u.file
            .slice_with_f64_and_f64(start, end)
            .map_err(|_| PartError::Failed("The file could not be read. Was it moved or changed?".into()))?
    };
    let xhr = XmlHttpRequest::new().map_err(|_| PartError::Failed("This browser cannot upload.".into()))?;
    xhr.open_with_async("PUT", &url, true)
        .map_err(|_| PartError::Failed("The upload address is not valid.".into()))?;
    let (tx, rx) = oneshot::channel::<Result<String, PartError>>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let finish = {
        let tx = tx.clone();
        move |result: Result<String, PartError>| {
            if let Some(tx) = tx.borrow_mut().take() {
                let _ = tx.send(result);
            }
        }
    };
    let progress = {
        let upload = upload.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |ev: ProgressEvent| {
            if let Some(entry) = upload.borrow_mut().in_flight.get_mut(&number) {
                entry.1 = ev.loaded() as u64;
            }
            update_progress(&upload);
        })
    };
    let onload = {
        let xhr = xhr.clone();
        let finish = finish.clone();
        Closure::<dyn FnMut()>::new(move || {
            let status = xhr.status().unwrap_or(0);
            let result = match status {
                200..=299 => xhr.get_response_header("ETag").ok().flatten().ok_or(PartError::Failed(
                    "Storage did not return the part's ETag (check the bucket's CORS rules).".into(),
                )),
                403 => Err(PartError::Expired),
                _ => Err(PartError::Failed(format!(
                    "Storage refused a part ({status}): {}",
                    xhr.response_text()
                        .ok()
                        .flatten()
                        .unwrap_or_default()
                        .chars()
                        .take(200)
                        .collect::<String>()
                ))),
            };
            finish(result);
        })
    };
    let onerror = {
        let finish = finish.clone();
        Closure::<dyn FnMut()>::new(move || {
            finish(Err(PartError::Failed(
                "The connection dropped while sending a part.".into(),
            )))
        })
    };
    let onabort = {
        let finish = finish.clone();
        Closure::<dyn FnMut()>::new(move || finish(Err(PartError::Aborted)))
    };
    if let Ok(target) = xhr.upload() {
        target.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    xhr.set_onload(Some(onload.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(onabort.as_ref().unchecked_ref()));
    upload.borrow_mut().in_flight.insert(number, (xhr.clone(), 0));
    if xhr.send_with_opt_blob(Some(&blob)).is_err() {
        finish(Err(PartError::Failed("The part could not be sent.".into())));
    }
    let result = rx.await.unwrap_or(Err(PartError::Aborted));
    // The handlers live until the request is over.
    drop((progress, onload, onerror, onabort));
    let was_in_flight = upload.borrow_mut().in_flight.remove(&number).is_some();
    if !was_in_flight {
        // Aborted by pause or cancel, which put the part back in the queue.
        return Err(PartError::Aborted);
    }
    result
}
