/*
 * The viewer page: browses the served folders through list/ and shows one image in OpenSeadragon
 * through the protocol chosen. What is shown (image, protocol, folder) lives in the URL's hash, so a
 * copied link opens the same view. Every URL is built from this script's own address, so the page
 * works wherever the WAR is deployed (ROOT or any context path).
 *
 * Through IIIF it is also an IIIF Authorization Flow 2.0 client (the "active" pattern): an image
 * whose info.json declares a probe service is shown in full only when the probe says so; else its
 * substitute is shown with the access service's prompt, which logs in through a new window and
 * fetches an access token for the probe.
 */
(function () {
    'use strict';

    // <ctx>/viewer/viewer.js -> <ctx>/
    const base = new URL('../', document.currentScript.src);
    const iipEndpoint = new URL('fcgi-bin/iipsrv.fcgi', base).href;

    /** Path-style encoding: each segment encoded, the slashes kept (DeepZoom, Zoomify, FIF, hash). */
    function encodePath(id) {
        return id.split('/').map(encodeURIComponent).join('/');
    }

    function at(path) {
        return new URL(path, base).href;
    }

    function dirname(id) {
        const slash = id.lastIndexOf('/');
        return slash < 0 ? '' : id.substring(0, slash + 1);
    }

    /** The body of a successful reply; otherwise an Error holding the status and the server's short text. */
    async function fetchText(url, init) {
        const reply = await fetch(url, Object.assign({ headers: { Accept: '*/*' } }, init));
        const text = await reply.text();
        if (!reply.ok) {
            throw new Error(reply.status + ' ' + (text.trim().split('\n')[0].substring(0, 200) || reply.statusText));
        }
        return text;
    }

    /**
     * Per protocol: the URL of its image description (shown as a link) and the tile source handed to
     * OpenSeadragon, built asynchronously where OpenSeadragon cannot read the description itself.
     */
    const PROTOCOLS = {
        iiif: {
            label: 'IIIF',
            // The IIIF specification escapes an identifier's slashes (%2F), but Tomcat and Jetty refuse
            // %2F in a path by default (400 before the WAR sees it); the server also takes plain
            // slashes, which work in every container.
            descriptor: id => at('iiif/' + encodePath(id) + '/info.json'),
            // Read here rather than by OpenSeadragon, for its Authorization Flow services; OpenSeadragon
            // takes the tile URLs from its "id". Never from the HTTP cache: what info.json offers
            // depends on who is logged in.
            tileSource: async id => {
                const info = JSON.parse(await fetchText(PROTOCOLS.iiif.descriptor(id), { cache: 'no-store' }));
                const services = authServices(info);
                if (!services) {
                    return info;
                }
                const result = await probe(services);
                if (result.status === 200) {
                    return { tileSource: info, access: { services, result } };
                }
                const substitute = asList(result.substitute).find(s => /^ImageService[23]$/.test(typeOf(s)));
                return {
                    tileSource: substitute ? substitute.id.replace(/\/$/, '') + '/info.json' : null,
                    access: { services, result, substitute: !!substitute }
                };
            }
        },
        deepzoom: {
            label: 'DeepZoom',
            descriptor: id => at('deepzoom/' + encodePath(id) + '.dzi'),
            // OpenSeadragon derives the tile folder (<image>_files/) from the .dzi URL.
            tileSource: async id => PROTOCOLS.deepzoom.descriptor(id)
        },
        zoomify: {
            label: 'Zoomify',
            descriptor: id => at('zoomify/' + encodePath(id) + '/ImageProperties.xml'),
            // OpenSeadragon's Zoomify source cannot read ImageProperties.xml; it wants the size and
            // tile size given, plus the folder that holds TileGroupN/.
            tileSource: async id => {
                const xml = await fetchText(PROTOCOLS.zoomify.descriptor(id));
                const props = new DOMParser().parseFromString(xml, 'application/xml').documentElement;
                const width = parseInt(props.getAttribute('WIDTH'), 10);
                const height = parseInt(props.getAttribute('HEIGHT'), 10);
                const tileSize = parseInt(props.getAttribute('TILESIZE') || '256', 10);
                if (props.nodeName !== 'IMAGE_PROPERTIES' || !(width > 0 && height > 0 && tileSize > 0)) {
                    throw new Error('not a Zoomify image description');
                }
                return {
                    type: 'zoomifytileservice',
                    width: width,
                    height: height,
                    tileSize: tileSize,
                    tilesUrl: at('zoomify/' + encodePath(id) + '/')
                };
            }
        },
        iip: {
            label: 'IIP',
            // What OpenSeadragon's IIP source asks for: its levels come from Resolutions.
            descriptor: id => iipEndpoint + '?FIF=' + encodePath(id)
                + '&OBJ=IIP,1.0&OBJ=Max-size&OBJ=Tile-size&OBJ=Resolution-number&OBJ=Resolutions',
            tileSource: async id => {
                // OpenSeadragon's IIP source loads this synchronously inside its constructor and, when
                // it fails, reports so before the viewer listens: the viewer would wait forever. So
                // the reply is checked here first.
                const text = await fetchText(PROTOCOLS.iip.descriptor(id));
                if (text.indexOf('Max-size:') < 0) {
                    const error = text.split('\n').find(line => line.startsWith('Error/'));
                    throw new Error(error || 'not an IIP image description');
                }
                // The source appends "image" to "?FIF=" as it is: it has to arrive encoded.
                return { iipsrv: iipEndpoint, image: encodePath(id) };
            }
        }
    };

    const el = id => document.getElementById(id);
    const crumbs = el('crumbs');
    const entries = el('entries');

    function setStatus(node, text, isError) {
        node.textContent = text;
        node.classList.toggle('error', !!isError);
    }

    /** What the page shows, also read by the browser test and handy in the console. */
    const state = window.iipViewer = {
        viewer: null,
        image: null,
        protocol: 'iip',
        folder: null,
        status: 'idle',
        error: null,
        failedTiles: 0,
        access: null, // the probe's status for an access-controlled IIIF image
        substitute: false, // the viewer shows the probe's substitute
        tokens: 0 // access tokens held
    };

    // ----- the hash: #image=<id>&protocol=<name>[&folder=<folder>] -----

    function readHash() {
        const params = new URLSearchParams(location.hash.substring(1));
        const protocol = params.get('protocol');
        return {
            image: params.get('image') || null,
            protocol: Object.prototype.hasOwnProperty.call(PROTOCOLS, protocol) ? protocol : 'iip',
            folder: params.get('folder')
        };
    }

    function hashFor(image, protocol, folder) {
        const parts = [];
        if (image) {
            parts.push('image=' + encodePath(image));
        }
        parts.push('protocol=' + protocol);
        // The folder only when it is not the image's own, to keep links short.
        if (folder !== null && folder !== undefined && (!image || folder !== dirname(image))) {
            parts.push('folder=' + encodePath(folder));
        }
        return '#' + parts.join('&');
    }

    // ----- the folder listing -----

    let listing = null;

    function formatBytes(n) {
        if (n < 1024) {
            return n + ' B';
        }
        const units = ['KB', 'MB', 'GB', 'TB'];
        let v = n / 1024;
        let u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v < 10 ? v.toFixed(1) : Math.round(v)) + ' ' + units[u];
    }

    function link(text, href, className) {
        const a = document.createElement('a');
        a.href = href;
        a.textContent = text;
        if (className) {
            a.className = className;
        }
        return a;
    }

    function renderCrumbs(folder) {
        crumbs.replaceChildren(link('Images', hashFor(state.image, state.protocol, '')));
        let path = '';
        for (const segment of folder.split('/').filter(s => s.length > 0)) {
            path += segment + '/';
            crumbs.append(' / ', link(segment, hashFor(state.image, state.protocol, path)));
        }
    }

    /** The listing's entries as links; names come from the file system, so only ever as text. */
    function renderEntries() {
        entries.replaceChildren();
        if (!listing) {
            return;
        }
        for (const entry of listing.entries) {
            const li = document.createElement('li');
            let a;
            if (entry.folder) {
                li.className = 'folder';
                a = link('', hashFor(state.image, state.protocol, entry.id));
            } else {
                li.className = 'image';
                a = link('', hashFor(entry.id, state.protocol, null), entry.id === state.image ? 'current' : '');
                if (entry.error) {
                    li.classList.add('unreadable');
                }
            }
            const name = document.createElement('span');
            name.className = 'name';
            name.textContent = entry.name;
            a.append(name);
            if (!entry.folder) {
                const meta = document.createElement('span');
                meta.className = 'meta';
                meta.textContent = (entry.error ? entry.error : entry.width + ' \u00d7 ' + entry.height + ' px')
                    + ' \u00b7 ' + formatBytes(entry.bytes);
                a.append(meta);
                a.dataset.id = entry.id;
            }
            li.append(a);
            entries.append(li);
        }
    }

    async function showFolder(folder) {
        state.folder = folder;
        listing = null;
        renderCrumbs(folder);
        entries.replaceChildren();
        setStatus(el('list-status'), 'Loading\u2026');
        let data;
        try {
            data = JSON.parse(await fetchText(at('list/' + encodePath(folder))));
        } catch (e) {
            if (state.folder === folder) {
                setStatus(el('list-status'), 'Cannot list this folder: ' + e.message, true);
            }
            return;
        }
        if (state.folder !== folder) {
            return; // another folder was chosen meanwhile
        }
        listing = data;
        renderEntries();
        setStatus(el('list-status'), data.entries.length ? '' : 'No images here.');
    }

    // ----- IIIF Authorization Flow 2.0 -----

    function asList(value) {
        return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
    }

    // Auth 2.0 writes "type"; an Image API 2 info.json may say "@type".
    function typeOf(resource) {
        return resource && (resource.type || resource['@type']);
    }

    /** A IIIF language map as text: the reader's language, else English, else "none", else any. */
    function text(map) {
        if (!map || typeof map !== 'object') {
            return typeof map === 'string' ? map : '';
        }
        const lang = (navigator.language || 'en').split('-')[0];
        const key = [navigator.language, lang, 'en', 'none'].find(k => map[k]) || Object.keys(map)[0];
        return key ? asList(map[key]).join(' ') : '';
    }

    /**
     * The services of an access-controlled image: its probe, the probe's "active" access service,
     * and that one's token and (optional) logout service. Null when there is no probe; the other
     * patterns (kiosk, external) are not offered by this server, so not handled here.
     */
    function authServices(info) {
        const probeService = asList(info.service).find(s => typeOf(s) === 'AuthProbeService2');
        if (!probeService) {
            return null;
        }
        const access = asList(probeService.service)
            .find(s => typeOf(s) === 'AuthAccessService2' && s.profile === 'active' && s.id);
        const inner = access ? asList(access.service) : [];
        return {
            probe: probeService,
            access: access || null,
            token: inner.find(s => typeOf(s) === 'AuthAccessTokenService2') || null,
            logout: inner.find(s => typeOf(s) === 'AuthLogoutService2') || null
        };
    }

    /** Access tokens by token service id; kept only in this page, as the specification intends. */
    const tokens = new Map();

    function heldToken(tokenService) {
        const held = tokenService && tokens.get(tokenService.id);
        return held && held.expires > Date.now() ? held.accessToken : null;
    }

    /** The probe's result for this caller: the held token if any, else just the session cookie. */
    async function probe(services) {
        const headers = { Accept: 'application/json' };
        const token = heldToken(services.token);
        if (token) {
            headers.Authorization = 'Bearer ' + token;
        }
        const result = JSON.parse(await fetchText(services.probe.id, { headers, cache: 'no-store' }));
        if (typeOf(result) !== 'AuthProbeResult2' || typeof result.status !== 'number') {
            throw new Error('the probe service did not answer a probe result');
        }
        return result;
    }

    function sleep(ms) {
        return new Promise(resolve => setTimeout(resolve, ms));
    }

    /**
     * The token service's message (token or error) for this page: its page is loaded in a hidden
     * frame, which posts the message to this window. Anything from another origin, or answering
     * another request, is not it.
     */
    function requestToken(tokenService) {
        const messageId = Date.now().toString(36) + Math.random().toString(36).substring(2);
        const url = new URL(tokenService.id);
        url.searchParams.set('messageId', messageId);
        url.searchParams.set('origin', location.origin);
        return new Promise((resolve, reject) => {
            const frame = document.createElement('iframe');
            frame.hidden = true;
            frame.title = 'IIIF access token';
            let timer = null;
            const listener = event => {
                if (event.origin !== url.origin || !event.data || event.data.messageId !== messageId) {
                    return;
                }
                finish();
                resolve(event.data);
            };
            const finish = () => {
                clearTimeout(timer);
                window.removeEventListener('message', listener);
                frame.remove();
            };
            // A token service that rejects our origin cannot even tell us so: postMessage drops it.
            timer = setTimeout(() => {
                finish();
                reject(new Error('the access token service did not answer'));
            }, 15000);
            window.addEventListener('message', listener);
            frame.src = url.href;
            document.body.append(frame);
        });
    }

    /** Reopens the image if it is still the one shown, e.g. after a login or logout. */
    function reopen(image) {
        if (state.image === image && state.protocol === 'iiif') {
            openImage(image, 'iiif');
        }
    }

    /**
     * The active pattern: the access service in a new window (never a frame: the user must see whose
     * login page it is), then, once that window is closed, a token for the probe.
     */
    async function logIn(services, image) {
        const url = new URL(services.access.id);
        url.searchParams.set('origin', location.origin);
        const opened = window.open(url.href, '_blank');
        if (!opened) {
            showAuthError('The login window could not be opened: allow pop-ups for this page.');
            return;
        }
        authElement('auth-login').disabled = true;
        showAuthError('');
        // The page cannot see what happens in the window, only that it was closed.
        while (!opened.closed) {
            await sleep(300);
        }
        authElement('auth-login').disabled = false;
        if (!services.token) {
            reopen(image); // without a token service only the cookie can tell
            return;
        }
        let message;
        try {
            message = await requestToken(services.token);
        } catch (e) {
            showAuthError('No access: ' + e.message);
            return;
        }
        if (typeOf(message) === 'AuthAccessToken2' && message.accessToken) {
            const seconds = message.expiresIn > 0 ? message.expiresIn : 3600;
            tokens.set(services.token.id, { accessToken: message.accessToken, expires: Date.now() + seconds * 1000 });
            state.tokens = tokens.size;
            reopen(image);
        } else {
            // AuthAccessTokenError2: its own texts, else the token service's, else its profile.
            const heading = text(message.heading) || text(services.token.errorHeading) || 'No access';
            const note = text(message.note) || text(services.token.errorNote) || message.profile || '';
            showAuthError(heading + (note ? ': ' + note : ''));
        }
    }

    /**
     * Auth 2.0 section 6.2: the logout service in a new window, the token discarded. The image is
     * probed again once the logout has taken effect (or the window was closed), since a cookie may
     * still give access until the server has seen the logout.
     */
    async function logOut(services, image) {
        if (services.token) {
            tokens.delete(services.token.id);
            state.tokens = tokens.size;
        }
        const opened = window.open(services.logout.id, '_blank');
        if (!opened) {
            showAuthError('The logout window could not be opened: allow pop-ups for this page.');
            return;
        }
        authElement('auth-logout').disabled = true;
        for (let i = 0; i < 200; i++) { // at most a minute
            await sleep(300);
            if (opened.closed) {
                break;
            }
            try {
                if ((await probe(services)).status !== 200) {
                    break;
                }
            } catch (e) {
                break;
            }
        }
        authElement('auth-logout').disabled = false;
        reopen(image);
    }

    function authElement(id) {
        return document.getElementById(id);
    }

    function showAuthError(message) {
        authElement('auth-error').textContent = message;
    }

    /** The prompt and the logout button for what the probe said; null hides both. */
    function showAccess(access, image) {
        const prompt = authElement('auth');
        const logout = authElement('auth-logout');
        state.access = access ? access.result.status : null;
        showAuthError('');
        if (!access) {
            prompt.hidden = true;
            logout.hidden = true;
            return;
        }
        const services = access.services;
        const status = access.result.status;
        // 403 is a login that is not enough: logging out (to log in as somebody else) makes sense too.
        logout.hidden = !services.logout || (status !== 200 && status !== 403);
        if (services.logout) {
            logout.textContent = text(services.logout.label) || 'Log out';
            logout.onclick = () => logOut(services, image);
        }
        prompt.hidden = status === 200;
        if (status === 200) {
            return;
        }
        // The probe's texts, else the probe service's defaults (section 5.1).
        authElement('auth-denied').textContent = [text(access.result.heading || services.probe.errorHeading),
            text(access.result.note || services.probe.errorNote)].filter(t => t).join(': ');
        const login = authElement('auth-login');
        if (services.access) {
            authElement('auth-heading').textContent = text(services.access.heading);
            authElement('auth-note').textContent = text(services.access.note);
            login.textContent = text(services.access.confirmLabel) || text(services.access.label) || 'Log in';
            login.onclick = () => logIn(services, image);
        }
        authElement('auth-heading').hidden = !services.access;
        authElement('auth-note').hidden = !services.access;
        login.hidden = !services.access;
    }

    // ----- the viewer -----

    function showTitle() {
        const links = el('links');
        links.replaceChildren();
        el('title').textContent = state.image || '';
        if (!state.image) {
            return;
        }
        const protocol = PROTOCOLS[state.protocol];
        links.append(link(protocol.label + ' description', protocol.descriptor(state.image)),
            link('JPEG', iipEndpoint + '?FIF=' + encodePath(state.image) + '&WID=1000&CVT=jpeg'));
    }

    let openCount = 0;

    async function openImage(image, protocol) {
        state.image = image;
        state.protocol = protocol;
        state.error = null;
        state.failedTiles = 0;
        state.substitute = false;
        const ticket = ++openCount;
        showTitle();
        showAccess(null);
        const viewer = state.viewer;
        if (!viewer) {
            return;
        }
        if (!image) {
            viewer.close();
            state.status = 'idle';
            setStatus(el('view-status'), 'Choose an image on the left.');
            return;
        }
        state.status = 'loading';
        setStatus(el('view-status'), 'Opening ' + image + ' through ' + PROTOCOLS[protocol].label + '\u2026');
        let source;
        try {
            source = await PROTOCOLS[protocol].tileSource(image);
        } catch (e) {
            if (ticket === openCount) {
                failed(e.message);
            }
            return;
        }
        if (ticket !== openCount) {
            return;
        }
        // An access-controlled IIIF image comes with what its probe said.
        const access = source.access;
        if (access) {
            showAccess(access, image);
            state.substitute = !!access.substitute;
            source = access.result.status === 200 || access.substitute ? source.tileSource : null;
        }
        if (source) {
            viewer.open(source);
        } else {
            failed(text(access.result.heading || access.services.probe.errorHeading)
                || 'status ' + access.result.status); // the prompt stays: logging in may help
        }
    }

    function failed(message) {
        state.status = 'failed';
        state.error = message;
        if (state.viewer) {
            state.viewer.close();
        }
        setStatus(el('view-status'), 'Cannot open ' + state.image + ' through ' + PROTOCOLS[state.protocol].label
            + ': ' + message, true);
    }

    function createViewer() {
        if (!window.OpenSeadragon) {
            setStatus(el('view-status'), 'OpenSeadragon is not part of this build (the WAR was built without npm),'
                + ' so images cannot be shown here. The folders and protocols work.', true);
            return null;
        }
        const viewer = OpenSeadragon({
            id: 'osd',
            prefixUrl: at('viewer/openseadragon/images/'),
            showNavigator: true,
            navigatorPosition: 'BOTTOM_RIGHT',
            maxZoomPixelRatio: 4,
            visibilityRatio: 0.5
        });
        viewer.addHandler('open', () => {
            const size = viewer.world.getItemAt(0).getContentSize();
            state.status = 'open';
            setStatus(el('view-status'), size.x + ' \u00d7 ' + size.y + ' px through '
                + PROTOCOLS[state.protocol].label + (state.substitute ? ' (the substitute the server allows)' : ''));
        });
        viewer.addHandler('open-failed', event => failed(event.message || 'the image cannot be opened'));
        viewer.addHandler('tile-load-failed', () => {
            state.failedTiles++;
            setStatus(el('view-status'), state.failedTiles + ' tile(s) could not be loaded through '
                + PROTOCOLS[state.protocol].label, true);
        });
        return viewer;
    }

    // ----- wiring -----

    function apply() {
        const wanted = readHash();
        for (const radio of document.querySelectorAll('input[name=protocol]')) {
            radio.checked = radio.value === wanted.protocol;
        }
        let folder = wanted.folder !== null ? wanted.folder : (wanted.image ? dirname(wanted.image) : '');
        if (folder && !folder.endsWith('/')) {
            folder += '/';
        }
        const reopen = wanted.image !== state.image || wanted.protocol !== state.protocol;
        if (reopen) {
            openImage(wanted.image, wanted.protocol);
        }
        if (folder !== state.folder) {
            showFolder(folder);
        } else if (reopen) {
            renderCrumbs(folder);
            renderEntries(); // the links carry the protocol and mark the current image
        }
    }

    for (const radio of document.querySelectorAll('input[name=protocol]')) {
        radio.addEventListener('change', () => {
            location.hash = hashFor(state.image, radio.value, state.folder);
        });
    }
    window.addEventListener('hashchange', apply);
    state.viewer = createViewer();
    apply();
}());
