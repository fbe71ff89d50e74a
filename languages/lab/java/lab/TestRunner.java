package lab;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;

/**
 * A test runner in thirty lines, because JUnit cannot be fetched here: it runs
 * every static method marked {@link Test} of the classes named on the command
 * line, prints PASS or FAIL for each, and exits 1 if any failed.
 *
 * <pre>java -cp classes lab.TestRunner saga.SagaTest cqrs.CqrsTest</pre>
 */
public final class TestRunner {
    public static void main(String[] args) throws ClassNotFoundException {
        int passed = 0, failed = 0;
        for (String name : args) {
            Method[] methods = Class.forName(name).getDeclaredMethods();
            Arrays.sort(methods, Comparator.comparing(Method::getName));
            for (Method m : methods) {
                if (!m.isAnnotationPresent(Test.class) || !Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                long start = System.nanoTime();
                try {
                    m.setAccessible(true);
                    m.invoke(null);
                    passed++;
                    System.out.printf("PASS %s.%s (%d ms)%n", name, m.getName(), (System.nanoTime() - start) / 1_000_000);
                } catch (InvocationTargetException e) {
                    failed++;
                    System.out.printf("FAIL %s.%s: %s%n", name, m.getName(), e.getCause());
                } catch (IllegalAccessException e) {
                    failed++;
                    System.out.printf("FAIL %s.%s: %s%n", name, m.getName(), e);
                }
            }
        }
        System.out.printf("%d passed, %d failed%n", passed, failed);
        if (failed > 0 || passed == 0) {
            System.exit(1);
        }
    }

    /** Fails the test with a message saying what was expected and what was seen. */
    public static void assertEquals(Object want, Object got, String what) {
        if (!Objects.equals(want, got)) {
            throw new AssertionError(what + ": want " + want + ", got " + got);
        }
    }

    public static void assertTrue(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
