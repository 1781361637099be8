package io.github.iipservlet.containers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * config/tomcat/server.xml applied to a Tomcat's own conf/server.xml the way its comment tells an
 * administrator: every element of the example is found in server.xml (outside comments) by its
 * name and its port (a Connector) or name attribute, and gets the example's attributes; an element
 * server.xml lacks (the ErrorReportValve) is added as the first child of its parent. The rest of
 * server.xml is left byte for byte, so the distribution's listeners, realm and access log stay.
 */
final class ServerXmlExample {
    private String text;

    private ServerXmlExample(String text) {
        this.text = text;
    }

    static void apply(Path example, Path serverXml) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setIgnoringComments(true);
        Element root = factory.newDocumentBuilder().parse(example.toFile()).getDocumentElement();
        ServerXmlExample merge = new ServerXmlExample(Files.readString(serverXml, StandardCharsets.UTF_8));
        merge.merge(root);
        Files.writeString(serverXml, merge.text, StandardCharsets.UTF_8);
    }

    private void merge(Element element) {
        int[] tag = locate(element);
        if (tag == null) {
            int[] parent = locate((Element) element.getParentNode());
            if (parent == null) {
                throw new AssertionError("server.xml has no " + describe((Element) element.getParentNode()));
            }
            text = text.substring(0, parent[1]) + "\n        " + serialize(element) + text.substring(parent[1]);
            return;
        }
        NamedNodeMap attributes = element.getAttributes();
        for (int i = 0; i < attributes.getLength(); i++) {
            setAttribute(tag, attributes.item(i).getNodeName(), attributes.item(i).getNodeValue());
            tag = locate(element);
        }
        for (Node child = element.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element e) {
                merge(e);
            }
        }
    }

    /** The attribute that tells an element from its siblings of the same name. */
    private static String key(Element element) {
        for (String name : List.of("port", "name", "className")) {
            if (element.hasAttribute(name)) {
                return name;
            }
        }
        return null;
    }

    private static String describe(Element element) {
        String key = key(element);
        return "<" + element.getTagName() + (key == null ? "" : " " + key + "=\"" + element.getAttribute(key) + "\"")
                + ">";
    }

    /** Start and end of the element's start tag in server.xml; null when absent; an error when not unique. */
    private int[] locate(Element element) {
        String key = key(element);
        String masked = withoutComments(text);
        Matcher m = Pattern.compile("<" + element.getTagName() + "(\\s[^>]*)?>").matcher(masked);
        List<int[]> found = new ArrayList<>();
        while (m.find()) {
            String value = key == null ? null : attribute(m.group(), key);
            if (key == null || element.getAttribute(key).equals(value)) {
                found.add(new int[] {m.start(), m.end()});
            }
        }
        if (found.size() > 1) {
            throw new AssertionError("server.xml has " + found.size() + " " + describe(element));
        }
        return found.isEmpty() ? null : found.get(0);
    }

    private static String attribute(String tag, String name) {
        Matcher m = Pattern.compile("\\s" + name + "\\s*=\\s*\"([^\"]*)\"").matcher(tag);
        return m.find() ? m.group(1) : null;
    }

    private void setAttribute(int[] tag, String name, String value) {
        String start = text.substring(tag[0], tag[1]);
        Matcher m = Pattern.compile("(\\s" + name + "\\s*=\\s*\")[^\"]*\"").matcher(start);
        String replaced;
        if (m.find()) {
            replaced = start.substring(0, m.start()) + m.group(1) + escape(value) + "\"" + start.substring(m.end());
        } else {
            int end = start.endsWith("/>") ? start.length() - 2 : start.length() - 1;
            while (end > 0 && Character.isWhitespace(start.charAt(end - 1))) {
                end--;
            }
            replaced = start.substring(0, end) + " " + name + "=\"" + escape(value) + "\"" + start.substring(end);
        }
        text = text.substring(0, tag[0]) + replaced + text.substring(tag[1]);
    }

    /** The element as one empty-element tag (the example's added elements have no children). */
    private static String serialize(Element element) {
        if (element.getElementsByTagName("*").getLength() > 0) {
            throw new AssertionError(describe(element) + ": an added element with children is not supported here");
        }
        StringBuilder sb = new StringBuilder("<").append(element.getTagName());
        NamedNodeMap attributes = element.getAttributes();
        for (int i = 0; i < attributes.getLength(); i++) {
            sb.append(' ').append(attributes.item(i).getNodeName()).append("=\"")
                    .append(escape(attributes.item(i).getNodeValue())).append('"');
        }
        return sb.append("/>").toString();
    }

    private static String escape(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace("\"", "&quot;");
    }

    /** The text with every comment blanked, same length, so offsets stay those of the real text. */
    private static String withoutComments(String xml) {
        StringBuilder sb = new StringBuilder(xml);
        Matcher m = Pattern.compile("<!--.*?-->", Pattern.DOTALL).matcher(xml);
        while (m.find()) {
            for (int i = m.start(); i < m.end(); i++) {
                sb.setCharAt(i, ' ');
            }
        }
        return sb.toString();
    }
}
