package dev.tokenwise.cost;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class CostApplication {

  public static void main(String[] args) {
    SpringApplication.run(CostApplication.class, args);
  }
}
