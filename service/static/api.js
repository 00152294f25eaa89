// Talking to the cuewatch API: the key (this tab's session storage only), requests whose
// problem+json errors become sentences people read, the upload (XHR, for its progress) and
// downloads of authenticated files.

const KEY_ITEM = 'cuewatch.apiKey';
const PROBLEM_PREFIX = 'urn:cuewatch:problem:';
export const UNREACHABLE = 'The server cannot be reached.';

export class ApiError extends Error {
  constructor(status, title, detail, slug) {
    super(title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.slug = slug;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY_ITEM) || '';
}

export function setApiKey(key) {
  if (key) {
    sessionStorage.setItem(KEY_ITEM, key);
  } else {
    sessionStorage.removeItem(KEY_ITEM);
  }
}

let unauthorized = () => {};

// Called with the error whenever the server answers 401 (a key that is missing or wrong).
export function onUnauthorized(handler) {
  unauthorized = handler;
}

function withKey(headers) {
  const all = new Headers(headers || {});
  const key = apiKey();
  if (key) {
    all.set('Authorization', `Bearer ${key}`);
  }
  return all;
}

function unreachable() {
  return new ApiError(
    0,
    UNREACHABLE,
    'Check that cuewatch is still running (make run) and try again.',
    'unreachable',
  );
}

function fromProblem(status, body) {
  const problem = body && typeof body === 'object' ? body : {};
  const slug = String(problem.type || '').replace(PROBLEM_PREFIX, '');
  return new ApiError(status, problem.title || `Error ${status}`, problem.detail || '', slug);
}

async function failure(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  const error = fromProblem(response.status, body);
  if (response.status === 401) {
    unauthorized(error);
  }
  return error;
}

// fetch() with the key; resolves to the response, rejects with an ApiError.
export async function request(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { ...options, headers: withKey(options.headers), cache: 'no-store' });
  } catch {
    throw unreachable();
  }
  if (!response.ok) {
    throw await failure(response);
  }
  return response;
}

export async function getJson(path) {
  return (await request(path)).json();
}

// POSTs the form to /v1/analyses; `onProgress` gets the share of the bytes sent (0-1).
export function uploadVideo(form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/analyses');
    withKey().forEach((value, name) => xhr.setRequestHeader(name, value));
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) {
        onProgress(event.loaded / event.total);
      }
    });
    xhr.addEventListener('load', () => {
      if (xhr.status === 202) {
        resolve(xhr.response);
        return;
      }
      const error = fromProblem(xhr.status, xhr.response);
      if (xhr.status === 401) {
        unauthorized(error);
      }
      reject(error);
    });
    xhr.addEventListener('error', () => reject(unreachable()));
    xhr.send(form);
  });
}

// Fetches a file with the key and hands it to the browser as a download named `filename`.
export async function download(path, filename) {
  const blob = await (await request(path)).blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by the time this runs; the blob is then no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function formatBytes(bytes) {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

// What to tell a person about an error, as {title, detail}; `filename` names the upload.
export function explain(error, filename) {
  const name = filename ? `"${filename}"` : 'The file';
  const detail = error.detail || '';
  if (error.status === 0) {
    return { title: UNREACHABLE, detail };
  }
  if (error.status === 413) {
    return { title: `${name} is too large for this server.`, detail };
  }
  if (error.status === 415 || error.slug === 'unsupported-video') {
    return { title: `${name} is not a video cuewatch can read.`, detail };
  }
  if (error.slug === 'video-too-long') {
    return { title: `${name} is too long for this server.`, detail };
  }
  if (error.status === 401) {
    return { title: 'The API key was not accepted.', detail };
  }
  if (error.status === 404) {
    return {
      title: 'This analysis no longer exists.',
      detail: 'It was deleted, it expired, or it was made with another API key.',
    };
  }
  if (error.status === 503) {
    return { title: 'The server is busy; try again in a minute.', detail };
  }
  return { title: error.title || 'Something went wrong.', detail };
}
