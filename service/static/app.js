// The cuewatch page: upload a recording, watch it being analysed, read the report.
// Views follow the address: "#/analyses/<id>" shows that analysis, anything else the form.

import {
  apiKey,
  explain,
  formatBytes,
  getJson,
  onUnauthorized,
  request,
  setApiKey,
  uploadVideo,
} from './api.js';
import { History, rememberId } from './history.js';
import { Report } from './report.js';
import { UploadForm } from './upload.js';

// The status changes every couple of seconds (the worker's heartbeat); 1 s shows each step.
const POLL_MS = 1000;
// ... but a short clip is analysed in a second or two: the first seconds are asked faster,
// so that its steps show too.
const QUICK_POLL_MS = 250;
const QUICK_FOR_MS = 10_000;
// While the server is unreachable, ask less often.
const RETRY_MS = 3000;
const STAGES = {
  uploading: 'Uploading the recording',
  queued: 'Waiting for a worker',
  starting: 'Starting',
  landmarks: 'Finding the face, eyes and hands in each frame',
  signals: 'Measuring gaze and attention',
  done: 'Writing the report',
  succeeded: 'Done',
  failed: 'The analysis failed',
  canceled: 'The analysis was canceled',
};
const FAILURES = {
  undecodable_video: 'the video could not be decoded',
  invalid_option: 'an option does not fit this recording',
  video_missing: 'the uploaded video was gone before the analysis ran',
  worker_lost: 'the worker stopped several times while analysing it',
  internal_error: 'the analysis stopped on an internal error',
};
const HEADINGS = {
  queued: 'Analysing',
  running: 'Analysing',
  failed: 'Could not analyse',
  canceled: 'Stopped analysing',
};
const VIEWS = ['upload-view', 'progress-view', 'report-view'];
const ROUTE = /^#\/analyses\/([A-Za-z0-9_-]{1,64})$/;

const $ = (id) => document.getElementById(id);
const state = {
  config: null,
  view: 0,
  timer: null,
  alertKind: '',
  checkingKey: false,
  followed: { id: '', since: 0 },
};

// An ApiError as an alert; "unreachable" alerts clear themselves once the server answers.
function showError(error, filename) {
  showAlert(explain(error, filename), error.status === 0 ? 'unreachable' : 'error');
}

function showAlert({ title, detail }, kind = 'error') {
  const box = $('alert');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'link-button';
  close.textContent = 'Dismiss';
  close.addEventListener('click', clearAlert);
  const lines = [title, detail].filter(Boolean).map((text, i) => {
    const p = document.createElement('p');
    p.className = i === 0 ? 'alert-title' : 'alert-detail';
    p.textContent = text;
    return p;
  });
  box.replaceChildren(...lines, close);
  state.alertKind = kind;
}

function clearAlert() {
  $('alert').replaceChildren();
  state.alertKind = '';
}

function showView(id) {
  VIEWS.forEach((view) => {
    $(view).hidden = view !== id;
  });
}

function setStage(stage, fraction, words) {
  const text = words || STAGES[stage] || stage;
  // Only a new stage is announced (aria-live); the bar carries the percentage.
  if ($('progress-stage').textContent !== text) {
    $('progress-stage').textContent = text;
  }
  $('progress-bar').value = fraction;
  $('progress-percent').textContent = `${Math.round(fraction * 100)}%`;
}

function showProgress(analysis) {
  showView('progress-view');
  $('progress-verb').textContent = HEADINGS[analysis.status] || HEADINGS.running;
  $('progress-name').textContent = analysis.filename;
  const final = ['succeeded', 'failed', 'canceled'].includes(analysis.status);
  $('cancel').hidden = final;
  $('another').hidden = !final;
  $('progress-hint').hidden = final;
  $('progress-view').dataset.status = analysis.status;
  if (analysis.status === 'failed') {
    const error = analysis.error || { reason: '', detail: '' };
    const reason = FAILURES[error.reason] || error.reason.replaceAll('_', ' ');
    setStage('failed', analysis.progress, `The analysis failed: ${reason}.`);
    showAlert({ title: `The analysis of "${analysis.filename}" failed: ${reason}.`, detail: error.detail });
    return;
  }
  setStage(analysis.status === 'running' ? analysis.stage : analysis.status, analysis.progress);
}

// Shows one analysis and, until it ends, follows it. `view` guards against a view the
// person has left meanwhile.
async function follow(id, view) {
  if (state.followed.id !== id) {
    state.followed = { id, since: Date.now() };
  }
  let analysis;
  try {
    analysis = await getJson(`/v1/analyses/${encodeURIComponent(id)}`);
  } catch (error) {
    if (view === state.view) {
      failedToFollow(id, view, error);
    }
    return;
  }
  if (view !== state.view) {
    return;
  }
  if (state.alertKind === 'unreachable') {
    clearAlert();
  }
  if (analysis.status === 'succeeded') {
    await showReport(analysis, view);
    return;
  }
  showProgress(analysis);
  analyses.update(analysis);
  if (analysis.status === 'queued' || analysis.status === 'running') {
    const quick = Date.now() - state.followed.since < QUICK_FOR_MS;
    state.timer = setTimeout(() => follow(id, view), quick ? QUICK_POLL_MS : POLL_MS);
  } else {
    analyses.refresh();
  }
}

function failedToFollow(id, view, error) {
  showError(error);
  if (error.status === 0) {
    state.timer = setTimeout(() => follow(id, view), RETRY_MS);
  } else if (error.status === 404) {
    showView('upload-view');
  }
}

async function showReport(analysis, view) {
  try {
    await report.show(analysis);
  } catch (error) {
    if (view === state.view) {
      showError(error);
    }
    return;
  }
  if (view !== state.view) {
    return;
  }
  showView('report-view');
  $('report-heading').focus();
  analyses.refresh();
}

function route() {
  clearTimeout(state.timer);
  state.view += 1;
  const match = location.hash.match(ROUTE);
  if (match) {
    follow(match[1], state.view);
    return;
  }
  report.clear();
  showView('upload-view');
}

function goHome() {
  if (location.hash) {
    location.hash = '';
  } else {
    route();
  }
  upload.reset();
  $('upload-heading').focus();
}

async function submitUpload(event) {
  event.preventDefault();
  clearAlert();
  const { form, file, error } = upload.formData(state.config.max_upload_bytes);
  if (error) {
    showAlert(error);
    return;
  }
  state.view += 1;
  const view = state.view;
  showProgress({ filename: file.name, status: 'queued', progress: 0 });
  setStage('uploading', 0);
  $('cancel').hidden = true;
  $('progress-heading').focus();
  let analysis;
  try {
    analysis = await uploadVideo(form, (share) => view === state.view && setStage('uploading', share));
  } catch (failure) {
    showView('upload-view');
    showError(failure, file.name);
    return;
  }
  rememberId(analysis.id);
  upload.reset();
  location.hash = `#/analyses/${analysis.id}`;
  analyses.refresh();
}

async function cancel() {
  const match = location.hash.match(ROUTE);
  if (!match) {
    return;
  }
  try {
    await request(`/v1/analyses/${encodeURIComponent(match[1])}/cancel`, { method: 'POST' });
  } catch (error) {
    showError(error);
  }
  route();
}

async function downloadPart(part) {
  try {
    await report.download(part);
  } catch (error) {
    showError(error);
  }
}

function askForKey() {
  $('app').hidden = true;
  $('key-view').hidden = false;
  $('forget-key').hidden = true;
  $('api-key').focus();
}

async function useKey(event) {
  event.preventDefault();
  const key = $('api-key').value.trim();
  if (!key) {
    showAlert({ title: 'Enter an API key.', detail: 'Ask whoever runs this server for one.' });
    return;
  }
  setApiKey(key);
  state.checkingKey = true;
  try {
    await request('/v1/analyses?limit=1');
  } catch (error) {
    setApiKey('');
    const words = error.status === 401
      ? { title: 'This API key is not recognised.', detail: 'Check it and try again.' }
      : explain(error);
    showAlert(words, error.status === 0 ? 'unreachable' : 'error');
    return;
  } finally {
    state.checkingKey = false;
  }
  $('api-key').value = '';
  clearAlert();
  enterApp();
}

function keyRefused() {
  if (state.checkingKey || state.config.auth !== 'api_key') {
    return;
  }
  setApiKey('');
  askForKey();
  showAlert({ title: 'The API key was not accepted.', detail: 'Enter it again to go on.' });
}

function enterApp() {
  $('key-view').hidden = true;
  $('app').hidden = false;
  $('forget-key').hidden = state.config.auth !== 'api_key';
  route();
  analyses.refresh();
}

function wire() {
  $('upload-form').addEventListener('submit', submitUpload);
  $('cancel').addEventListener('click', cancel);
  $('another').addEventListener('click', goHome);
  $('report-another').addEventListener('click', goHome);
  $('home-link').addEventListener('click', (event) => {
    event.preventDefault();
    goHome();
  });
  $('download-csv').addEventListener('click', () => downloadPart('frames.csv'));
  $('download-json').addEventListener('click', () => downloadPart('result'));
  $('refresh').addEventListener('click', () => analyses.refresh());
  $('key-form').addEventListener('submit', useKey);
  $('forget-key').addEventListener('click', () => {
    setApiKey('');
    clearAlert();
    askForKey();
  });
  window.addEventListener('hashchange', route);
  onUnauthorized(keyRefused);
}

async function start() {
  wire();
  try {
    const response = await fetch('/ui/config', { cache: 'no-store' });
    state.config = await response.json();
  } catch {
    showError({ status: 0, detail: 'Reload this page once cuewatch is running.' });
    return;
  }
  const limit = state.config.max_upload_bytes;
  $('size-limit').textContent = limit ? `, up to ${formatBytes(limit)}` : '';
  if (state.config.auth === 'api_key' && !apiKey()) {
    askForKey();
    return;
  }
  enterApp();
}

const report = new Report();
const upload = new UploadForm();
const analyses = new History({
  error: showError,
  deleted: (id) => {
    const match = location.hash.match(ROUTE);
    if (match && match[1] === id) {
      goHome();
    }
  },
});

start();
