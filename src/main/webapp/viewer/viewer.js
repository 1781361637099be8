/*
 * The viewer page: browses the served folders through list/ and shows one image in OpenSeadragon
 * through the protocol chosen. What is shown (image, protocol, folder) lives in the URL's hash, so a
 * copied link opens the same view. Every URL is built from this script's own address, so the page
 * works wherever the WAR is deployed (ROOT or any context path).
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
    async function fetchText(url) {
        const reply = await fetch(url, { headers: { Accept: '*/*' } });
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
            // OpenSeadragon reads info.json itself and takes the tile URLs from its "id".
            tileSource: async id => PROTOCOLS.iiif.descriptor(id)
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
        failedTiles: 0
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
        const ticket = ++openCount;
        showTitle();
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
        if (ticket === openCount) {
            viewer.open(source);
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
                + PROTOCOLS[state.protocol].label);
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
