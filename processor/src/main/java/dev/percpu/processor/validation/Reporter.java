package dev.percpu.processor.validation;

import com.sun.source.util.Trees;
import java.io.PrintWriter;
import java.io.StringWriter;
import javax.annotation.processing.Messager;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic;

/** Prints problems through the compiler's {@link Messager}, at the place each one points to. */
public final class Reporter {

    private final Messager messager;
    private final Trees trees;

    /** @param trees javac's tree API, or null where the compiler has none */
    public Reporter(Messager messager, Trees trees) {
        this.messager = messager;
        this.trees = trees;
    }

    public void report(Problem p) {
        if (p.tree() != null && trees != null) {
            trees.printMessage(p.message().kind(), p.text(), p.tree().getLeaf(), p.tree().getCompilationUnit());
        } else if (p.element() != null) {
            messager.printMessage(p.message().kind(), p.text(), p.element(), p.mirror(), p.value());
        } else {
            messager.printMessage(p.message().kind(), p.text());
        }
    }

    /**
     * Reports a failure of the processor itself, never blamed on the user's code.
     *
     * @param context what it was doing, worded to follow "the percpu processor failed", with a
     *     leading space ({@code " validating com.acme.Stats"}), or {@code ""}
     * @param element the holder whose own work failed, so the error points at it; null for work
     *     shared by a whole round
     */
    public void internalError(Throwable failure, String context, Element element) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        String text = Message.INTERNAL_ERROR.format(context, trace);
        if (element != null) {
            messager.printMessage(Diagnostic.Kind.ERROR, text, element);
        } else {
            messager.printMessage(Diagnostic.Kind.ERROR, text);
        }
    }
}
