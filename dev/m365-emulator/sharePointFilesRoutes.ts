// The My Site host's files API, as far as photo sync needs it: find the `User Photos` library's folders (the
// `Profile Pictures` folder name is localised, and so perhaps is the library's title), upload with
// `Files/AddUsingPath(decodedurl=…,overwrite=true)` (or `Files/add(url=…)`), read files back as metadata, `/$value`,
// or a plain GET of the file URL.
// The string-based APIs (`Files/add(url=…)`, `Get…ByServerRelativeUrl`) "do not support % and #": they take a `%`
// as the start of an escape and a `#` as the end of the path. `Files/add` refuses such a name; the Url getters read
// the path as SharePoint would (decoded, cut at `#`). The ResourcePath APIs (`AddUsingPath(decodedurl=…)`,
// `Get…ByServerRelativePath(decodedurl=…)`) take the name as it is.
// Delete, as that page documents it: `POST …/GetFileBy…(…)` with `X-HTTP-Method: DELETE` and `If-Match` (the file's
// ETag or `*`); the plain DELETE verb is taken too. Read harshly: without `If-Match` the delete is refused (412, as
// for a stale ETag), a missing file is 404 (the old JSOM remark that deleteObject "silently fails" is not relied
// on), and the file is gone for good (a REST DELETE is not `recycle()`: nothing lands in the recycle bin).
// https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-folders-and-files-with-rest,
// https://learn.microsoft.com/sharepoint/dev/solution-guidance/supporting-and-in-file-and-folder-with-the-resourcepath-api

import type { EmulatorContext } from './EmulatorContext';
import { bytesResponse, emptyResponse, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import type { HttpRouter } from './HttpRouter';
import { odataCollection, odataEntity } from './odataShape';
import { parseOdataArguments } from './odataArguments';
import { requireSharePointApp } from './requireSharePointApp';
import { sharePointError } from './sharePointError';
import { userPhotosLibrary, type SharePointFile, type SharePointFolder } from './SharePointStore';

const readRoles = ['Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'];
const writeRoles = ['Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'];

export function addSharePointFilesRoutes(router: HttpRouter<EmulatorContext>): void {
  const folderRef = String.raw`(?:lists\/GetByTitle\(('(?:[^']|'')*')\)\/RootFolder|GetFolderByServerRelative(Url|Path)\((.*?)\))`;
  router
    .add('GET', new RegExp(`^/_api/web/${folderRef}$`, 'i'), 'sp.folder', (r, p, c) => folderRoute(r, p, c, 'self'))
    .add('GET', new RegExp(`^/_api/web/${folderRef}/Folders$`, 'i'), 'sp.folder.folders', (r, p, c) =>
      folderRoute(r, p, c, 'folders'),
    )
    .add('GET', new RegExp(`^/_api/web/${folderRef}/Files$`, 'i'), 'sp.folder.files', (r, p, c) =>
      folderRoute(r, p, c, 'files'),
    )
    .add(
      'POST',
      new RegExp(`^/_api/web/${folderRef}/Files/(add|AddUsingPath)\\((.*)\\)$`, 'i'),
      'sp.files.add',
      addFile,
    )
    .add('GET', /^\/_api\/web\/GetFileByServerRelative(Url|Path)\((.*?)\)(\/\$value)?$/i, 'sp.file', getFile)
    .add(['POST', 'DELETE'], /^\/_api\/web\/GetFileByServerRelative(Url|Path)\((.*?)\)$/i, 'sp.file.delete', deleteFile)
    .add('GET', new RegExp(`^/${userPhotosLibrary}/(.+)$`, 'i'), 'sp.file.download', (r, p, c) =>
      download(r, c, `/${userPhotosLibrary}/${p[0] ?? ''}`),
    );
}

function resolveFolder(
  request: EmulatorRequest,
  params: string[],
  ctx: EmulatorContext,
): SharePointFolder | EmulatorResponse {
  const [listTitle, flavour, folderArgs] = params;
  if (listTitle) {
    const title = parseOdataArguments(listTitle, request.url).get('$0') ?? '';
    if (title.toLowerCase() !== ctx.sharePoint.libraryTitle.toLowerCase()) {
      return sharePointError(
        request,
        404,
        '-1, System.ArgumentException',
        `List '${title}' does not exist at site with URL '${ctx.urls.mySiteUrl}'.`,
      );
    }
    return ctx.sharePoint.folder(`/${userPhotosLibrary}`) as SharePointFolder;
  }
  const folder = ctx.sharePoint.folder(serverRelativeArgument(request, flavour, folderArgs));
  return folder ?? sharePointError(request, 404, '-2147024894, System.IO.FileNotFoundException', 'File Not Found.');
}

function folderJson(ctx: EmulatorContext, folder: SharePointFolder) {
  const itemCount =
    ctx.sharePoint.filesIn(folder.serverRelativeUrl).length +
    ctx.sharePoint.subfolders(folder.serverRelativeUrl).length;
  return {
    uri: `${ctx.urls.mySiteUrl}/_api/Web/GetFolderByServerRelativePath(decodedurl='${folder.serverRelativeUrl.replace(/'/g, "''")}')`,
    entity: {
      Exists: true,
      IsWOPIEnabled: false,
      ItemCount: itemCount,
      Name: folder.name,
      ProgID: null,
      ServerRelativeUrl: folder.serverRelativeUrl,
      TimeCreated: folder.timeLastModified.toISOString(),
      TimeLastModified: folder.timeLastModified.toISOString(),
      UniqueId: folder.uniqueId,
      WelcomePage: '',
    },
  };
}

function fileJson(ctx: EmulatorContext, file: SharePointFile) {
  return {
    uri: `${ctx.urls.mySiteUrl}/_api/Web/GetFileByServerRelativePath(decodedurl='${file.serverRelativeUrl.replace(/'/g, "''")}')`,
    entity: {
      CheckInComment: '',
      CheckOutType: 2,
      ContentTag: `{${file.uniqueId.toUpperCase()}},${file.version},${file.version}`,
      CustomizedPageStatus: 0,
      ETag: `"{${file.uniqueId.toUpperCase()}},${file.version}"`,
      Exists: true,
      Length: String(file.bytes.length),
      Level: 1,
      MajorVersion: file.version,
      MinorVersion: 0,
      Name: file.name,
      ServerRelativeUrl: file.serverRelativeUrl,
      TimeCreated: file.timeCreated.toISOString(),
      TimeLastModified: file.timeLastModified.toISOString(),
      Title: null,
      UIVersion: 512 * file.version,
      UIVersionLabel: `${file.version}.0`,
      UniqueId: file.uniqueId,
    },
  };
}

async function folderRoute(
  request: EmulatorRequest,
  params: string[],
  ctx: EmulatorContext,
  part: 'self' | 'folders' | 'files',
) {
  const auth = await requireSharePointApp(request, ctx, {
    origin: ctx.urls.mySiteUrl,
    anyOf: readRoles,
    cost: part === 'self' ? 'read' : 'list',
  });
  if (!auth.ok) return auth.response;
  const folder = resolveFolder(request, params, ctx);
  if ('status' in folder) return folder;
  if (part === 'self') {
    const json = folderJson(ctx, folder);
    return odataEntity(request, 'SP.Folder', json.uri, json.entity);
  }
  const items =
    part === 'folders'
      ? ctx.sharePoint.subfolders(folder.serverRelativeUrl).map((f) => folderJson(ctx, f))
      : ctx.sharePoint.filesIn(folder.serverRelativeUrl).map((f) => fileJson(ctx, f));
  return odataCollection(request, part === 'folders' ? 'SP.Folder' : 'SP.File', ctx.urls.mySiteUrl, items);
}

async function addFile(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const auth = await requireSharePointApp(request, ctx, {
    origin: ctx.urls.mySiteUrl,
    anyOf: writeRoles,
    cost: 'write',
  });
  if (!auth.ok) return auth.response;
  const folder = resolveFolder(request, params, ctx);
  if ('status' in folder) return folder;
  const byPath = params[3]?.toLowerCase() === 'addusingpath';
  const args = parseOdataArguments(params[4] ?? '', request.url);
  const name = (byPath ? args.get('decodedurl') : args.get('url')) ?? '';
  // The string API cannot tell a literal `%` or `#` from an escape or a fragment; the ResourcePath API can.
  const invalid = byPath ? /[\\/:*?"<>|]/ : /[\\/:*?"<>|#%]/;
  if (!name || invalid.test(name)) {
    return sharePointError(
      request,
      400,
      '-2130575245, Microsoft.SharePoint.SPException',
      `The file name '${name}' is not valid.`,
    );
  }
  const stored = ctx.sharePoint.putFile(folder, name, request.body, args.get('overwrite') === 'true');
  if (stored === 'exists') {
    return sharePointError(
      request,
      400,
      '-2130575257, Microsoft.SharePoint.SPException',
      `A file with the name ${folder.serverRelativeUrl}/${name} already exists. It was last modified by app@sharepoint.`,
    );
  }
  const json = fileJson(ctx, stored);
  return odataEntity(request, 'SP.File', json.uri, json.entity);
}

async function getFile(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const auth = await requireSharePointApp(request, ctx, { origin: ctx.urls.mySiteUrl, anyOf: readRoles, cost: 'read' });
  if (!auth.ok) return auth.response;
  const url = serverRelativeArgument(request, params[0], params[1]);
  const file = ctx.sharePoint.file(url);
  if (!file) return fileNotFound(request, url);
  if (params[2]) return bytesResponse(200, contentTypeOf(file.name), file.bytes);
  const json = fileJson(ctx, file);
  return odataEntity(request, 'SP.File', json.uri, json.entity);
}

async function deleteFile(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const verb = request.method === 'POST' ? (request.headers['x-http-method'] ?? '').toUpperCase() : request.method;
  if (verb !== 'DELETE') {
    return sharePointError(
      request,
      400,
      '-1, Microsoft.SharePoint.Client.InvalidClientQueryException',
      'The HTTP method for this resource must be DELETE (or POST with X-HTTP-Method: DELETE).',
    );
  }
  const auth = await requireSharePointApp(request, ctx, {
    origin: ctx.urls.mySiteUrl,
    anyOf: writeRoles,
    cost: 'write',
  });
  if (!auth.ok) return auth.response;
  const url = serverRelativeArgument(request, params[0], params[1]);
  const file = ctx.sharePoint.file(url);
  if (!file) return fileNotFound(request, url);
  const ifMatch = request.headers['if-match']?.trim() ?? '';
  const etag = fileJson(ctx, file).entity.ETag;
  if (ifMatch !== '*' && ifMatch !== etag) {
    return sharePointError(
      request,
      412,
      '-1, Microsoft.SharePoint.Client.ClientServiceException',
      `The request ETag value '${ifMatch}' does not match the object's ETag value '${etag}'.`,
    );
  }
  ctx.sharePoint.deleteFile(file.serverRelativeUrl);
  return emptyResponse(200);
}

/**
 * The server-relative URL a `…ByServerRelativeUrl('…')` or `…ByServerRelativePath(decodedurl='…')` call names: the
 * Path flavour takes it as it is; the Url flavour decodes `%xx` escapes and stops at `#`, as SharePoint does.
 */
function serverRelativeArgument(
  request: EmulatorRequest,
  flavour: string | undefined,
  text: string | undefined,
): string {
  const args = parseOdataArguments(text ?? '', request.url);
  if (flavour?.toLowerCase() === 'path') return args.get('decodedurl') ?? '';
  const raw = args.get('$0') ?? args.get('url') ?? '';
  const cut = raw.split('#')[0] ?? '';
  try {
    return decodeURIComponent(cut);
  } catch {
    return cut;
  }
}

async function download(request: EmulatorRequest, ctx: EmulatorContext, path: string): Promise<EmulatorResponse> {
  const auth = await requireSharePointApp(request, ctx, { origin: ctx.urls.mySiteUrl, anyOf: readRoles, cost: 'read' });
  if (!auth.ok) return auth.response;
  const file = ctx.sharePoint.file(path);
  if (!file) return fileNotFound(request, path);
  return bytesResponse(200, contentTypeOf(file.name), file.bytes);
}

function fileNotFound(request: EmulatorRequest, url: string): EmulatorResponse {
  return sharePointError(
    request,
    404,
    '-2130575338, Microsoft.SharePoint.SPException',
    `The file ${url} does not exist.`,
  );
}

function contentTypeOf(name: string): string {
  return /\.jpe?g$/i.test(name) ? 'image/jpeg' : /\.png$/i.test(name) ? 'image/png' : 'application/octet-stream';
}
